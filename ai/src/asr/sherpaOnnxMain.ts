/**
 * The sherpa-onnx recognizer process (forked by SherpaOnnxEngine, one per engine). It is a process
 * of its own, not a worker thread, because the native library aborts the whole process on a corrupt
 * model (an uncaught Ort::Exception → std::terminate) or segfaults on an unknown model type, and its
 * online decode is synchronous: here neither can take the caption worker down or stall its loop.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { SherpaCommand, SherpaEvent, SherpaProcessConfig } from './sherpaMessages.js';

const SAMPLE_RATE = 16_000;
/**
 * Silence appended before inputFinished(): the recognizer decodes only whole chunks (plus right
 * context: 39 feature frames for the streaming zipformers), so the utterance's last words would
 * stay undecoded without it. sherpa-onnx's own examples pad 0.66 s.
 */
const TAIL_PADDING = new Float32Array(Math.round(0.66 * SAMPLE_RATE));

/** The part of sherpa-onnx-node used here (the package ships JavaScript without types). */
interface OnlineStream {
  acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}
interface OnlineRecognizer {
  createStream(): OnlineStream;
  isReady(stream: OnlineStream): boolean;
  decode(stream: OnlineStream): void;
  getResult(stream: OnlineStream): { text: string };
}
interface SherpaOnnxNode {
  OnlineRecognizer: new (config: object) => OnlineRecognizer;
}

const send = (event: SherpaEvent) => process.send?.(event);
// The engine is gone (closed or crashed): nothing to recognise for.
process.on('disconnect', () => process.exit(0));

/** Reports why this process cannot serve, then exits once the report is out. */
function fail(event: SherpaEvent): void {
  process.exitCode = 1;
  if (process.send) process.send(event, () => process.exit(1));
  else process.exit(1);
}

function load(config: SherpaProcessConfig): OnlineRecognizer | null {
  let sherpa: SherpaOnnxNode;
  try {
    sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as SherpaOnnxNode;
  } catch (error) {
    fail({ type: 'unavailable', message: (error as Error).message.split('\n')[0] ?? String(error) });
    return null;
  }
  const started = performance.now();
  try {
    const recognizer = new sherpa.OnlineRecognizer({
      featConfig: { sampleRate: SAMPLE_RATE, featureDim: 80 },
      modelConfig: {
        transducer: { encoder: config.files.encoder, decoder: config.files.decoder, joiner: config.files.joiner },
        tokens: config.files.tokens,
        numThreads: config.numThreads,
        provider: 'cpu',
        debug: 0,
      },
      decodingMethod: config.decodingMethod,
      // Utterances come cut by the caller's VAD: no endpointing of our own.
      enableEndpoint: 0,
    });
    send({ type: 'ready', loadMs: Math.round(performance.now() - started) });
    return recognizer;
  } catch (error) {
    // What the library reports itself (an invalid config); a corrupt file aborts instead.
    fail({ type: 'loadFailed', message: (error as Error).message });
    return null;
  }
}

/** The utterance in progress: its stream, its last text, samples fed, time spent decoding. */
interface Utterance {
  utterance: number;
  stream: OnlineStream;
  text: string;
  samples: number;
  decodeMs: number;
  /** The last byte of a chunk that ended mid-sample. */
  odd: number | null;
}

function serve(recognizer: OnlineRecognizer): void {
  let current: Utterance | null = null;
  process.on('message', (command: SherpaCommand) => {
    switch (command.type) {
      case 'begin':
        // A stream per utterance: its features, states and result start afresh.
        current = { utterance: command.utterance, stream: recognizer.createStream(), text: '', samples: 0, decodeMs: 0, odd: null };
        break;
      case 'audio':
        if (!current) return;
        feed(recognizer, current, toFloat(current, command.pcm));
        answer(recognizer, current, false);
        break;
      case 'end': {
        const utterance: Utterance | null = current?.utterance === command.utterance ? current : null;
        current = null;
        if (!utterance) {
          // Nothing was begun here (the engine restarted us in between): an empty final, not a hang.
          send({ type: 'hypothesis', utterance: command.utterance, text: '', final: true, changed: false, audioMs: 0, decodeMs: 0 });
          return;
        }
        const samples = utterance.samples;
        feed(recognizer, utterance, TAIL_PADDING);
        utterance.stream.inputFinished();
        decodeReady(recognizer, utterance);
        // The final's audioMs is the utterance's, without the padding.
        utterance.samples = samples;
        answer(recognizer, utterance, true);
        break;
      }
    }
  });
}

const recognizer = load(JSON.parse(process.argv[2] ?? '{}') as SherpaProcessConfig);
if (recognizer) serve(recognizer);

function feed(recognizer: OnlineRecognizer, utterance: Utterance, samples: Float32Array): void {
  utterance.stream.acceptWaveform({ samples, sampleRate: SAMPLE_RATE });
  utterance.samples += samples.length;
  decodeReady(recognizer, utterance);
}

function decodeReady(recognizer: OnlineRecognizer, utterance: Utterance): void {
  const started = performance.now();
  while (recognizer.isReady(utterance.stream)) recognizer.decode(utterance.stream);
  utterance.decodeMs += performance.now() - started;
}

function answer(recognizer: OnlineRecognizer, utterance: Utterance, final: boolean): void {
  const text = recognizer.getResult(utterance.stream).text.trim();
  const changed = text !== utterance.text;
  utterance.text = text;
  send({
    type: 'hypothesis',
    utterance: utterance.utterance,
    text,
    final,
    changed,
    audioMs: Math.round((utterance.samples * 1000) / SAMPLE_RATE),
    decodeMs: Math.round(utterance.decodeMs * 10) / 10,
  });
}

/** s16le bytes → floats in [-1, 1]; a chunk may end mid-sample, whose byte waits for the next one. */
function toFloat(utterance: Utterance, pcm: Uint8Array): Float32Array {
  let bytes = pcm;
  if (utterance.odd !== null) {
    bytes = new Uint8Array(pcm.length + 1);
    bytes[0] = utterance.odd;
    bytes.set(pcm, 1);
    utterance.odd = null;
  }
  const count = bytes.length >> 1;
  if (bytes.length & 1) utterance.odd = bytes[bytes.length - 1]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * 2);
  const samples = new Float32Array(count);
  for (let i = 0; i < count; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
  return samples;
}
