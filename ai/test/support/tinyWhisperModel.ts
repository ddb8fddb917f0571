import { writeFileSync } from 'node:fs';

/**
 * A tiny synthetic Whisper model in whisper.cpp's ggml format, with random weights: real
 * inference runs on it in milliseconds, so tests exercise the real loading and transcription
 * code without a downloaded model. What it "hears" is meaningless: never assert its text.
 */
export interface TinyWhisperModelOptions {
  /** Model width (audio and text state); whisper.cpp wants it divisible by the head count. */
  state?: number;
  heads?: number;
  layers?: number;
  /** Decoder context: small keeps the random decoder's runaway outputs short. */
  textCtx?: number;
  /** 51865 is the smallest multilingual vocabulary (so `language` is honoured). */
  vocab?: number;
  /** 0: all f32; 1: f16 weight matrices, as the published ggml-*.bin models are. */
  ftype?: 0 | 1;
  seed?: number;
}

const MAGIC = 0x67676d6c; // "ggml"
const N_MELS = 80;
const N_FFT = 201;
/** whisper.cpp always encodes 30 s windows: 3000 mel frames, 1500 encoder positions. */
const AUDIO_CTX = 1500;

type Kind = 'f32' | 'w' | 'conv';
interface Tensor {
  name: string;
  ne: number[];
  kind: Kind;
}

/** The tensors whisper.cpp's loader creates, in ggml dimension order (innermost first). */
function tensors(state: number, layers: number, textCtx: number, vocab: number): Tensor[] {
  const s = state;
  const list: Tensor[] = [
    { name: 'encoder.positional_embedding', ne: [s, AUDIO_CTX], kind: 'f32' },
    { name: 'encoder.conv1.weight', ne: [3, N_MELS, s], kind: 'conv' },
    { name: 'encoder.conv1.bias', ne: [1, s], kind: 'f32' },
    { name: 'encoder.conv2.weight', ne: [3, s, s], kind: 'conv' },
    { name: 'encoder.conv2.bias', ne: [1, s], kind: 'f32' },
    { name: 'encoder.ln_post.weight', ne: [s], kind: 'f32' },
    { name: 'encoder.ln_post.bias', ne: [s], kind: 'f32' },
    { name: 'decoder.positional_embedding', ne: [s, textCtx], kind: 'f32' },
    { name: 'decoder.token_embedding.weight', ne: [s, vocab], kind: 'w' },
    { name: 'decoder.ln.weight', ne: [s], kind: 'f32' },
    { name: 'decoder.ln.bias', ne: [s], kind: 'f32' },
  ];
  const block = (prefix: string, attn: string): Tensor[] => [
    { name: `${prefix}.${attn}_ln.weight`, ne: [s], kind: 'f32' },
    { name: `${prefix}.${attn}_ln.bias`, ne: [s], kind: 'f32' },
    { name: `${prefix}.${attn}.query.weight`, ne: [s, s], kind: 'w' },
    { name: `${prefix}.${attn}.query.bias`, ne: [s], kind: 'f32' },
    { name: `${prefix}.${attn}.key.weight`, ne: [s, s], kind: 'w' },
    { name: `${prefix}.${attn}.value.weight`, ne: [s, s], kind: 'w' },
    { name: `${prefix}.${attn}.value.bias`, ne: [s], kind: 'f32' },
    { name: `${prefix}.${attn}.out.weight`, ne: [s, s], kind: 'w' },
    { name: `${prefix}.${attn}.out.bias`, ne: [s], kind: 'f32' },
  ];
  const mlp = (prefix: string): Tensor[] => [
    { name: `${prefix}.mlp_ln.weight`, ne: [s], kind: 'f32' },
    { name: `${prefix}.mlp_ln.bias`, ne: [s], kind: 'f32' },
    { name: `${prefix}.mlp.0.weight`, ne: [s, 4 * s], kind: 'w' },
    { name: `${prefix}.mlp.0.bias`, ne: [4 * s], kind: 'f32' },
    { name: `${prefix}.mlp.2.weight`, ne: [4 * s, s], kind: 'w' },
    { name: `${prefix}.mlp.2.bias`, ne: [s], kind: 'f32' },
  ];
  for (let i = 0; i < layers; i++) list.push(...block(`encoder.blocks.${i}`, 'attn'), ...mlp(`encoder.blocks.${i}`));
  for (let i = 0; i < layers; i++) {
    list.push(...block(`decoder.blocks.${i}`, 'attn'), ...block(`decoder.blocks.${i}`, 'cross_attn'), ...mlp(`decoder.blocks.${i}`));
  }
  return list;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** IEEE half precision bits of a float (round to nearest; the small weights here never overflow). */
function toHalf(value: number): number {
  scratch[0] = value;
  const bits = scratchBits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign; // flush tiny values to zero
  if (exponent >= 31) return sign | 0x7c00;
  return (sign | (exponent << 10)) + Math.round((bits & 0x7fffff) / 0x2000); // a carry rounds up the exponent
}

/** Builds the model file's bytes. */
export function tinyWhisperModel(options: TinyWhisperModelOptions = {}): Buffer {
  const state = options.state ?? 64;
  const heads = options.heads ?? 2;
  const layers = options.layers ?? 1;
  const textCtx = options.textCtx ?? 32;
  const vocab = options.vocab ?? 51865;
  const ftype = options.ftype ?? 1;
  let seed = options.seed ?? 1;
  // A seeded generator: the same model every run, so timings do not drift between runs.
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const chunks: Buffer[] = [];
  const int32s = (...values: number[]) => {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => b.writeInt32LE(v, i * 4));
    chunks.push(b);
  };
  // Typed arrays are little-endian on every platform Node runs whisper.cpp on.
  const floats = (count: number, value: () => number) => {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = value();
    chunks.push(Buffer.from(values.buffer));
  };

  const header = Buffer.alloc(4);
  header.writeUInt32LE(MAGIC, 0);
  chunks.push(header);
  // hparams: n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
  //          n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype
  int32s(vocab, AUDIO_CTX, state, heads, layers, textCtx, state, heads, layers, N_MELS, ftype);
  // Mel filters: triangles would be realistic; small positive values do for random weights.
  int32s(N_MELS, N_FFT);
  floats(N_MELS * N_FFT, () => random() * 0.01);
  // Vocabulary: a few printable tokens; whisper.cpp names the rest (up to n_vocab) itself.
  const words = Array.from({ length: 256 }, (_, i) => Buffer.from(i >= 32 && i < 127 ? String.fromCharCode(i) : `<${i}>`));
  int32s(words.length);
  for (const word of words) {
    int32s(word.length);
    chunks.push(word);
  }
  for (const tensor of tensors(state, layers, textCtx, vocab)) {
    const half = ftype === 1 && tensor.kind !== 'f32';
    const name = Buffer.from(tensor.name);
    int32s(tensor.ne.length, name.length, half ? 1 : 0, ...tensor.ne);
    chunks.push(name);
    const count = tensor.ne.reduce((a, b) => a * b, 1);
    // Layer-norm weights of 1 keep activations sane; everything else small and random.
    const value = tensor.name.endsWith('ln.weight') || tensor.name.endsWith('ln_post.weight') ? () => 1 : () => (random() - 0.5) * 0.2;
    if (half) {
      const halves = new Uint16Array(count);
      for (let i = 0; i < count; i++) halves[i] = toHalf(value());
      chunks.push(Buffer.from(halves.buffer));
    } else {
      floats(count, value);
    }
  }
  return Buffer.concat(chunks);
}

/** Writes a tiny model to `path`; returns its size in bytes. */
export function writeTinyWhisperModel(path: string, options: TinyWhisperModelOptions = {}): number {
  const bytes = tinyWhisperModel(options);
  writeFileSync(path, bytes);
  return bytes.length;
}
