/**
 * The caption worker process: everything that costs CPU (Opus decoding, VAD, speech recognition)
 * runs here, never in the signaling process's event loop. The parent (CaptionWorker) sends
 * WorkerCommands over the IPC channel; RTP arrives from SFU media taps on UDP ports bound here.
 */
import { createSocket, type Socket } from 'node:dgram';
import { OpusDepacketizer, parseRtpPacket, RtpClock } from '@classbridge/recorder';
import { createSpeechEngine } from '../asr/createSpeechEngine.js';
import { ENGINE_CHOICE_ENV, readEngineChoice } from '../asr/engineChoice.js';
import type { SpeechEngine } from '../asr/SpeechEngine.js';
import { DtxGapFiller } from '../audio/DtxGapFiller.js';
import { EchoGuards } from '../echo/EchoGuards.js';
import { OpusPcmDecoder, type PcmChunk } from '../audio/OpusPcmDecoder.js';
import { CaptionStream } from '../captions/CaptionStream.js';
import { SileroVad } from '../vad/SileroVad.js';
import type { CaptionLanguage } from '@classbridge/protocol';
import type { WorkerCommand, WorkerEvent } from './messages.js';

interface Stream {
  id: string;
  socket: Socket;
  decoder: OpusPcmDecoder;
  gaps: DtxGapFiller;
  depacketizer: OpusDepacketizer;
  clock: RtpClock;
  /**
   * The echo guard's clock: RTP time placed by the stream's earliest arrivals, never by sender
   * reports. A classroom's first report comes seconds after its microphone goes live and would
   * shift its audio against the teacher's mid-analysis; arrival times in this one process are a
   * steady common base. The delay measured is then how late the echo reaches the server after
   * the teacher's voice did — what the teacher hears.
   */
  echoClock: RtpClock;
  /** Null for a stream only the echo guard listens to. */
  captioning: Captioning | null;
  payloadType: number;
}

interface Captioning {
  captions: CaptionStream;
  engine: SpeechEngine;
  vad: SileroVad;
}

const streams = new Map<string, Stream>();
/** Echo guards of the lessons whose microphones this process decodes: the same PCM, a second use. */
const echoGuards = new EchoGuards();
const engineChoice = readEngineChoice(process.env[ENGINE_CHOICE_ENV]);
const send = (event: WorkerEvent) => process.send?.(event);

async function open(command: Extract<WorkerCommand, { type: 'open' }>): Promise<void> {
  const { streamId } = command;
  if (streams.has(streamId)) return;
  const captioning = command.language === null ? null : await startCaptioning({ ...command, language: command.language });
  const socket = createSocket('udp4');
  const stream: Stream = {
    id: streamId,
    socket,
    decoder: new OpusPcmDecoder(),
    gaps: new DtxGapFiller(),
    depacketizer: new OpusDepacketizer(),
    clock: new RtpClock({ clockRate: 48_000, originMs: 0 }),
    echoClock: new RtpClock({ clockRate: 48_000, originMs: 0 }),
    captioning,
    payloadType: command.payloadType,
  };
  streams.set(streamId, stream);
  if (command.echo) echoGuards.add(streamId, command.echo.lessonId, command.echo.role, (verdict) => send({ type: 'echo', streamId, verdict }));
  socket.on('message', (datagram) => receive(stream, datagram));
  socket.on('error', (error) => send({ type: 'error', streamId, code: 'CAPTION_SOCKET', message: error.message }));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  send({ type: 'opened', streamId, port: socket.address().port });
}

async function startCaptioning(command: { streamId: string; participantId: string; speaker: string; language: CaptionLanguage }): Promise<Captioning> {
  const { streamId } = command;
  const engine = await createSpeechEngine(command.language, engineChoice);
  try {
    await engine.start();
  } catch (error) {
    await engine.close();
    throw error;
  }
  const vad = await SileroVad.load();
  const captions = new CaptionStream({
    participantId: command.participantId,
    speaker: command.speaker,
    language: command.language,
    vad,
    engine,
    onCaption: (caption) => send({ type: 'caption', streamId, caption }),
    onLag: (lagMs) => send({ type: 'lag', streamId, lagMs }),
    onError: (error) => send({ type: 'error', streamId, code: (error as { code?: string }).code ?? 'CAPTION_FAILED', message: error.message }),
  });
  return { captions, engine, vad };
}

function receive(stream: Stream, datagram: Buffer): void {
  const packet = parseRtpPacket(datagram);
  if (!packet || packet.payloadType !== stream.payloadType) return;
  const arrivalMs = Date.now();
  for (const frame of stream.depacketizer.push(packet)) {
    const chunks = stream.decoder.decode(frame.data, frame.timestamp);
    for (const chunk of chunks) deliver(stream, chunk, arrivalMs);
    const decoded = chunks.at(-1);
    if (decoded?.rtpTimestamp === frame.timestamp) stream.gaps.decoded(decoded.pcm, stream.decoder.nextTimestamp!, arrivalMs);
  }
}

const FILL_EVERY_MS = 20;
let lastFillTick = Date.now();

/** Quiet streams whose sender went silent (Opus DTX) get their silence now, not when the next packet comes. */
function fillDtxGaps(): void {
  const now = Date.now();
  const sinceLastTick = now - lastFillTick;
  lastFillTick = now;
  // A late tick means this process was stalled: packets that arrived meanwhile may be waiting in the
  // socket behind this timer, and filling first would drop them as late. The next tick fills.
  if (sinceLastTick > 2 * FILL_EVERY_MS) return;
  for (const stream of streams.values()) {
    const until = stream.gaps.silenceUntil(now);
    const chunk = until === null ? null : stream.decoder.fillSilence(until);
    if (!chunk) continue;
    deliver(stream, chunk, stream.gaps.onTimeArrival(chunk.rtpTimestamp) ?? now);
  }
}

/** Decoded PCM's one path: to the captions (on the sender's capture clock) and the echo guard (on arrival time). */
function deliver(stream: Stream, chunk: PcmChunk, arrivalMs: number): void {
  // Capture time on the sender's clock (RTCP sender reports), arrival-based until the first report.
  const startMs = stream.clock.toMs(chunk.rtpTimestamp, arrivalMs);

  if (stream.captioning) void stream.captioning.captions.push(chunk.pcm, startMs);
  echoGuards.audio(stream.id, chunk.pcm, stream.echoClock.toMs(chunk.rtpTimestamp, arrivalMs));
}
setInterval(fillDtxGaps, FILL_EVERY_MS).unref();

async function close(streamId: string): Promise<void> {
  const stream = streams.get(streamId);
  if (!stream) {
    send({ type: 'closed', streamId });
    return;
  }
  streams.delete(streamId);
  echoGuards.remove(streamId);
  stream.socket.close();
  const captioning = stream.captioning;
  try {
    await captioning?.captions.flush(Date.now());
  } finally {
    send({ type: 'closed', streamId });
    stream.decoder.close();
    if (captioning) {
      await captioning.captions.close();
      await captioning.engine.close();
      await captioning.vad.close();
    }
  }
}

process.on('message', (message: WorkerCommand) => {
  const fail = (error: unknown) =>
    send({ type: 'error', streamId: 'streamId' in message ? message.streamId : null, code: (error as { code?: string }).code ?? 'CAPTION_FAILED', message: (error as Error).message });
  switch (message.type) {
    case 'open':
      open(message).catch(fail);
      break;
    case 'senderReport':
      streams.get(message.streamId)?.clock.observeSenderReport(message.ssrc, message.ntpMs, message.rtpTimestamp);
      break;
    case 'flush':
      streams.get(message.streamId)?.captioning?.captions.flush(Date.now()).catch(fail);
      break;
    case 'close':
      close(message.streamId).catch(fail);
      break;
  }
});
// The parent gone means this process has no one to caption for.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
