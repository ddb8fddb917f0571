/**
 * RFC 7741 packetization of one VP8 frame: the 1-byte payload descriptor with the
 * S bit on the first packet. mediasoup reads only the descriptor and the frame tag
 * behind it, so that is all a bot needs.
 */
export function vp8Payloads(frame: Buffer, maxPayload = 1100): Buffer[] {
  const payloads: Buffer[] = [];
  for (let offset = 0; offset < frame.length; offset += maxPayload) {
    const descriptor = Buffer.from([offset === 0 ? 0x10 : 0x00]);
    payloads.push(Buffer.concat([descriptor, frame.subarray(offset, offset + maxPayload)]));
  }
  return payloads;
}
