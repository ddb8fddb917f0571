/*
 * ClassBridge: libsrtp 3 API adapter over Debian's libsrtp2 (>= 2.4).
 *
 * mediasoup 3.19 (worker/include/RTC/SrtpSession.hpp, DepLibSRTP.hpp) does
 * `#include <srtp.h>` and is written against libsrtp 3, whose API differs
 * from libsrtp 2 in these points (the only ones mediasoup uses):
 *
 *   libsrtp 3 (what mediasoup calls)           libsrtp 2 (what Debian ships)
 *   ---------------------------------------    ---------------------------------
 *   srtp_protect(ctx, in, in_len,              srtp_protect(ctx, buf, int *len)
 *                out, size_t *out_len, mki)      in place; buf must have room
 *   srtp_unprotect(ctx, in, in_len,            srtp_unprotect(ctx, buf, int *len)
 *                  out, size_t *out_len)
 *   srtp_protect_rtcp / srtp_unprotect_rtcp    same, in place, int lengths
 *     (same out-of-place shape)
 *   srtp_stream_remove(session, ssrc)          srtp_remove_stream(session, ssrc)
 *   srtp_err_status_buffer_small = 28          (does not exist)
 *   srtp_err_status_cryptex_err  = 29          (does not exist)
 *
 * The wrappers below copy `in` to `out` when they differ, check that `out`
 * has room for the trailer libsrtp2 appends in place (else
 * srtp_err_status_buffer_small, like libsrtp 3), convert size_t <-> int and
 * call the libsrtp2 function. Macros then redirect mediasoup's calls to them.
 * MKI: libsrtp 3 selects MKI use per policy; mediasoup never enables it and
 * always passes mki_index 0, which maps to the plain libsrtp2 call.
 */
#ifndef CLASSBRIDGE_SRTP3_SHIM_H
#define CLASSBRIDGE_SRTP3_SHIM_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <srtp2/srtp.h>

#ifdef __cplusplus
/* Debian's enum ends at 27; libsrtp 3 appends these two. An unscoped enum
 * whose enumerators fit in 5 bits can hold any value 0..31, so the casts are
 * well defined. */
static_assert(srtp_err_status_pkt_idx_adv == 27, "unexpected libsrtp2 srtp_err_status_t layout");
static constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
static constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);
#else
#define srtp_err_status_buffer_small ((srtp_err_status_t)28)
#define srtp_err_status_cryptex_err ((srtp_err_status_t)29)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* RTCP protect also appends the 4-byte E-flag/SRTCP index word. */
#define CLASSBRIDGE_SRTP3_RTP_OVERHEAD ((size_t)SRTP_MAX_TRAILER_LEN)
#define CLASSBRIDGE_SRTP3_RTCP_OVERHEAD ((size_t)SRTP_MAX_TRAILER_LEN + 4u)

/* Copies `in` to `out` (if different) after checking that `out` can hold
 * in_len + overhead bytes and that the result still fits libsrtp2's int. */
static inline srtp_err_status_t classbridge_srtp3_prepare(
  const uint8_t* in, size_t in_len, uint8_t* out, const size_t* out_len, size_t overhead)
{
	if (in == NULL || out == NULL || out_len == NULL)
		return srtp_err_status_bad_param;

	if (in_len > (size_t)INT_MAX - overhead)
		return srtp_err_status_bad_param;

	if (*out_len < in_len + overhead)
		return srtp_err_status_buffer_small;

	if (out != in)
		memmove(out, in, in_len);

	return srtp_err_status_ok;
}

static inline srtp_err_status_t classbridge_srtp3_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtp_len, uint8_t* srtp, size_t* srtp_len, size_t mki_index)
{
	srtp_err_status_t status;
	int len;

	status = classbridge_srtp3_prepare(rtp, rtp_len, srtp, srtp_len, CLASSBRIDGE_SRTP3_RTP_OVERHEAD);
	if (status != srtp_err_status_ok)
		return status;

	len = (int)rtp_len;
	if (mki_index == 0)
		status = srtp_protect(ctx, srtp, &len);
	else
		status = srtp_protect_mki(ctx, srtp, &len, 1u, (unsigned int)mki_index);

	if (status == srtp_err_status_ok)
		*srtp_len = (size_t)len;

	return status;
}

static inline srtp_err_status_t classbridge_srtp3_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtp_len, uint8_t* rtp, size_t* rtp_len)
{
	srtp_err_status_t status;
	int len;

	/* Decryption only shrinks the packet, but libsrtp2 works in place on the
	 * whole input, so `rtp` must be able to hold srtp_len bytes. */
	status = classbridge_srtp3_prepare(srtp, srtp_len, rtp, rtp_len, 0u);
	if (status != srtp_err_status_ok)
		return status;

	len    = (int)srtp_len;
	status = srtp_unprotect(ctx, rtp, &len);

	if (status == srtp_err_status_ok)
		*rtp_len = (size_t)len;

	return status;
}

static inline srtp_err_status_t classbridge_srtp3_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len, uint8_t* srtcp, size_t* srtcp_len, size_t mki_index)
{
	srtp_err_status_t status;
	int len;

	status =
	  classbridge_srtp3_prepare(rtcp, rtcp_len, srtcp, srtcp_len, CLASSBRIDGE_SRTP3_RTCP_OVERHEAD);
	if (status != srtp_err_status_ok)
		return status;

	len = (int)rtcp_len;
	if (mki_index == 0)
		status = srtp_protect_rtcp(ctx, srtcp, &len);
	else
		status = srtp_protect_rtcp_mki(ctx, srtcp, &len, 1u, (unsigned int)mki_index);

	if (status == srtp_err_status_ok)
		*srtcp_len = (size_t)len;

	return status;
}

static inline srtp_err_status_t classbridge_srtp3_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcp_len, uint8_t* rtcp, size_t* rtcp_len)
{
	srtp_err_status_t status;
	int len;

	status = classbridge_srtp3_prepare(srtcp, srtcp_len, rtcp, rtcp_len, 0u);
	if (status != srtp_err_status_ok)
		return status;

	len    = (int)srtcp_len;
	status = srtp_unprotect_rtcp(ctx, rtcp, &len);

	if (status == srtp_err_status_ok)
		*rtcp_len = (size_t)len;

	return status;
}

/* libsrtp 3 renamed srtp_remove_stream(); same semantics (ssrc in network
 * byte order, as mediasoup passes it). */
static inline srtp_err_status_t classbridge_srtp3_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, (unsigned int)ssrc);
}

#ifdef __cplusplus
} /* extern "C" */
#endif

/* Redirect the libsrtp 3 names used by mediasoup to the adapters above. */
#define srtp_protect(ctx, in, in_len, out, out_len, mki) \
	classbridge_srtp3_protect((ctx), (in), (in_len), (out), (out_len), (mki))
#define srtp_unprotect(ctx, in, in_len, out, out_len) \
	classbridge_srtp3_unprotect((ctx), (in), (in_len), (out), (out_len))
#define srtp_protect_rtcp(ctx, in, in_len, out, out_len, mki) \
	classbridge_srtp3_protect_rtcp((ctx), (in), (in_len), (out), (out_len), (mki))
#define srtp_unprotect_rtcp(ctx, in, in_len, out, out_len) \
	classbridge_srtp3_unprotect_rtcp((ctx), (in), (in_len), (out), (out_len))
#define srtp_stream_remove(session, ssrc) classbridge_srtp3_stream_remove((session), (ssrc))

#endif /* CLASSBRIDGE_SRTP3_SHIM_H */
