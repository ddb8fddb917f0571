import { open } from 'node:fs/promises';

/**
 * Structural check of a whisper.cpp ggml model file (`ggml-base.bin` and friends), done before the
 * native loader sees it. whisper.cpp trusts the file: a huge vocabulary count makes it loop for
 * ever, a file cut short before its tensors "loads" as an empty model whose transcriptions never
 * end, and inconsistent dimensions abort the whole process (GGML_ASSERT). So the hyperparameters
 * are sanity-checked, the mel filters and vocabulary walked, and every tensor record compared with
 * the shape and size whisper.cpp will expect, without reading the weights themselves.
 */

/** Random access to the file's bytes (a file handle in the engine, a Buffer in unit tests). */
export interface ByteSource {
  readonly size: number;
  /** Bytes [offset, offset + length), fewer only at the end of the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface WhisperHparams {
  nVocab: number;
  nAudioCtx: number;
  nAudioState: number;
  nAudioHead: number;
  nAudioLayer: number;
  nTextCtx: number;
  nTextState: number;
  nTextHead: number;
  nTextLayer: number;
  nMels: number;
  /** ggml file type (0 f32, 1 f16, 2.. quantized), without the quantization version. */
  ftype: number;
}

export type WhisperModelCheck =
  | { ok: true; hparams: WhisperHparams; multilingual: boolean; tensors: number; tensorBytes: number }
  | { ok: false; reason: string };

const GGML_MAGIC = 0x67676d6c; // "ggml", little-endian
const GGUF_MAGIC = 0x46554747; // "GGUF"
/** whisper.cpp's STFT is fixed (400-point FFT): the filters must have 1 + 400 / 2 bins. */
const N_FFT_BINS = 201;
/** Multilingual vocabularies start here (the English-only ones have 51864 tokens). */
const MULTILINGUAL_VOCAB = 51865;
const MAX_TOKEN_BYTES = 1024;
/** Generous bounds: the largest published model (large-v3) has state 1280, 32 layers, 20 heads. */
const LIMITS = { vocab: 1 << 20, state: 1 << 14, layers: 256, heads: 256, textCtx: 1 << 16, mels: 1024 };

/** ggml tensor types a whisper model file uses: [block size in elements, bytes per block]. */
const TYPE_SIZES: Record<number, [number, number]> = {
  0: [1, 4], // F32
  1: [1, 2], // F16
  2: [32, 18], // Q4_0
  3: [32, 20], // Q4_1
  6: [32, 22], // Q5_0
  7: [32, 24], // Q5_1
  8: [32, 34], // Q8_0
  10: [256, 84], // Q2_K
  11: [256, 110], // Q3_K
  12: [256, 144], // Q4_K
  13: [256, 176], // Q5_K
  14: [256, 210], // Q6_K
  30: [1, 2], // BF16
};
/** File type (hparams.ftype) → the tensor type of the big weight matrices. */
const FTYPE_WEIGHT_TYPE: Record<number, number> = { 0: 0, 1: 1, 2: 2, 3: 3, 7: 8, 8: 6, 9: 7, 10: 10, 11: 11, 12: 12, 13: 13, 14: 14, 24: 30 };

type Kind = 'f32' | 'weight' | 'conv';

/** The tensors whisper.cpp creates for these hparams, by name: shape (ggml order) and kind. */
function expectedTensors(h: WhisperHparams): Map<string, { ne: number[]; kind: Kind }> {
  const tensors = new Map<string, { ne: number[]; kind: Kind }>();
  const add = (name: string, kind: Kind, ...ne: number[]) => tensors.set(name, { ne, kind });
  const a = h.nAudioState;
  add('encoder.positional_embedding', 'f32', a, h.nAudioCtx);
  add('encoder.conv1.weight', 'conv', 3, h.nMels, a);
  add('encoder.conv1.bias', 'f32', 1, a);
  add('encoder.conv2.weight', 'conv', 3, a, a);
  add('encoder.conv2.bias', 'f32', 1, a);
  add('encoder.ln_post.weight', 'f32', a);
  add('encoder.ln_post.bias', 'f32', a);
  const attention = (prefix: string, s: number) => {
    add(`${prefix}_ln.weight`, 'f32', s);
    add(`${prefix}_ln.bias`, 'f32', s);
    add(`${prefix}.query.weight`, 'weight', s, s);
    add(`${prefix}.query.bias`, 'f32', s);
    add(`${prefix}.key.weight`, 'weight', s, s);
    add(`${prefix}.value.weight`, 'weight', s, s);
    add(`${prefix}.value.bias`, 'f32', s);
    add(`${prefix}.out.weight`, 'weight', s, s);
    add(`${prefix}.out.bias`, 'f32', s);
  };
  const mlp = (prefix: string, s: number) => {
    add(`${prefix}.mlp_ln.weight`, 'f32', s);
    add(`${prefix}.mlp_ln.bias`, 'f32', s);
    add(`${prefix}.mlp.0.weight`, 'weight', s, 4 * s);
    add(`${prefix}.mlp.0.bias`, 'f32', 4 * s);
    add(`${prefix}.mlp.2.weight`, 'weight', 4 * s, s);
    add(`${prefix}.mlp.2.bias`, 'f32', s);
  };
  for (let i = 0; i < h.nAudioLayer; i++) {
    attention(`encoder.blocks.${i}.attn`, a);
    mlp(`encoder.blocks.${i}`, a);
  }
  const t = h.nTextState;
  add('decoder.positional_embedding', 'f32', t, h.nTextCtx);
  add('decoder.token_embedding.weight', 'weight', t, h.nVocab);
  add('decoder.ln.weight', 'f32', t);
  add('decoder.ln.bias', 'f32', t);
  for (let i = 0; i < h.nTextLayer; i++) {
    attention(`decoder.blocks.${i}.attn`, t);
    attention(`decoder.blocks.${i}.cross_attn`, t);
    mlp(`decoder.blocks.${i}`, t);
  }
  return tensors;
}

/** Thrown inside the check and turned into its `reason`. */
const invalid = (reason: string) => Object.assign(new Error(reason), { modelInvalid: true });

/** Sequential little-endian reads through a ByteSource, in windows. */
function reader(source: ByteSource) {
  let pos = 0;
  let windowStart = 0;
  let window: Uint8Array = new Uint8Array(0);
  const ensure = async (length: number, windowBytes: number) => {
    if (pos + length > source.size) throw invalid(`truncated: it ends at byte ${source.size}, inside data that runs to byte ${pos + length}`);
    if (pos >= windowStart && pos + length <= windowStart + window.length) return;
    windowStart = pos;
    window = await source.read(pos, Math.max(length, windowBytes));
    if (window.length < length) throw invalid(`truncated: a read at byte ${pos} came back short`);
  };
  return {
    get pos() {
      return pos;
    },
    async int32(windowBytes = 1 << 16): Promise<number> {
      await ensure(4, windowBytes);
      const at = pos - windowStart;
      pos += 4;
      return new DataView(window.buffer, window.byteOffset + at, 4).getInt32(0, true);
    },
    async bytes(length: number, windowBytes = 1 << 16): Promise<Uint8Array> {
      await ensure(length, windowBytes);
      const at = pos - windowStart;
      pos += length;
      return window.subarray(at, at + length);
    },
    skip(length: number): void {
      if (pos + length > source.size) throw invalid(`truncated: it ends at byte ${source.size}, inside data that runs to byte ${pos + length}`);
      pos += length;
    },
  };
}

function checkHparams(h: WhisperHparams, quantVersion: number): void {
  const positive = (name: string, value: number, max: number) => {
    if (!Number.isInteger(value) || value <= 0 || value > max) throw invalid(`implausible ${name} ${value}`);
  };
  positive('n_vocab', h.nVocab, LIMITS.vocab);
  positive('n_audio_state', h.nAudioState, LIMITS.state);
  positive('n_audio_head', h.nAudioHead, LIMITS.heads);
  positive('n_audio_layer', h.nAudioLayer, LIMITS.layers);
  positive('n_text_ctx', h.nTextCtx, LIMITS.textCtx);
  positive('n_text_state', h.nTextState, LIMITS.state);
  positive('n_text_head', h.nTextHead, LIMITS.heads);
  positive('n_text_layer', h.nTextLayer, LIMITS.layers);
  positive('n_mels', h.nMels, LIMITS.mels);
  // The encoder works on 30 s windows: 3000 mel frames, halved by the second convolution.
  if (h.nAudioCtx !== 1500) throw invalid(`n_audio_ctx ${h.nAudioCtx} is not Whisper's 1500`);
  if (h.nTextState !== h.nAudioState) throw invalid(`n_text_state ${h.nTextState} differs from n_audio_state ${h.nAudioState}`);
  if (h.nAudioState % h.nAudioHead !== 0) throw invalid(`n_audio_state ${h.nAudioState} is not a multiple of n_audio_head ${h.nAudioHead}`);
  if (h.nTextState % h.nTextHead !== 0) throw invalid(`n_text_state ${h.nTextState} is not a multiple of n_text_head ${h.nTextHead}`);
  if (FTYPE_WEIGHT_TYPE[h.ftype] === undefined) throw invalid(`unsupported ftype ${h.ftype}`);
  if (quantVersion < 0 || quantVersion > 16) throw invalid(`implausible quantization version ${quantVersion}`);
}

/** Checks a whisper.cpp ggml model; never throws for a bad file (only for a failing read). */
export async function checkWhisperModel(source: ByteSource): Promise<WhisperModelCheck> {
  try {
    return await walk(source);
  } catch (error) {
    if ((error as { modelInvalid?: boolean }).modelInvalid) return { ok: false, reason: (error as Error).message };
    throw error;
  }
}

async function walk(source: ByteSource): Promise<WhisperModelCheck> {
  const r = reader(source);
  if (source.size < 4) throw invalid(`only ${source.size} bytes long`);
  const magic = (await r.int32()) >>> 0;
  if (magic === GGUF_MAGIC) throw invalid('a GGUF file, not the ggml .bin format whisper.cpp loads');
  if (magic !== GGML_MAGIC) throw invalid(`not a ggml file (magic 0x${magic.toString(16).padStart(8, '0')})`);

  const fields: number[] = [];
  for (let i = 0; i < 11; i++) fields.push(await r.int32());
  const [nVocab, nAudioCtx, nAudioState, nAudioHead, nAudioLayer, nTextCtx, nTextState, nTextHead, nTextLayer, nMels, rawFtype] = fields as [number, number, number, number, number, number, number, number, number, number, number];
  const hparams: WhisperHparams = { nVocab, nAudioCtx, nAudioState, nAudioHead, nAudioLayer, nTextCtx, nTextState, nTextHead, nTextLayer, nMels, ftype: rawFtype % 1000 };
  checkHparams(hparams, Math.trunc(rawFtype / 1000));

  const filterMels = await r.int32();
  const filterBins = await r.int32();
  if (filterMels !== nMels) throw invalid(`mel filters for ${filterMels} bands, the model has ${nMels}`);
  if (filterBins !== N_FFT_BINS) throw invalid(`mel filters over ${filterBins} FFT bins, whisper.cpp computes ${N_FFT_BINS}`);
  r.skip(filterMels * filterBins * 4);

  const tokens = await r.int32();
  if (tokens < 0 || tokens > nVocab) throw invalid(`vocabulary of ${tokens} tokens, the model has ${nVocab}`);
  for (let i = 0; i < tokens; i++) {
    const length = await r.int32(1 << 20);
    if (length < 0 || length > MAX_TOKEN_BYTES) throw invalid(`token ${i} is ${length} bytes long`);
    r.skip(length);
  }

  const weightType = FTYPE_WEIGHT_TYPE[hparams.ftype]!;
  const typeOf: Record<Kind, number> = { f32: 0, weight: weightType, conv: weightType === 0 ? 0 : 1 };
  const expected = expectedTensors(hparams);
  const seen = new Set<string>();
  let tensorBytes = 0;
  const decoder = new TextDecoder();
  // Records until the end: whisper.cpp stops when fewer than 12 bytes (one record head) remain.
  while (source.size - r.pos >= 12) {
    const at = r.pos;
    const dims = await r.int32(512);
    const nameLength = await r.int32(512);
    const type = await r.int32(512);
    if (dims < 1 || dims > 4) throw invalid(`tensor record at byte ${at} has ${dims} dimensions`);
    if (nameLength < 1 || nameLength > 256) throw invalid(`tensor record at byte ${at} has a ${nameLength}-byte name`);
    const ne: number[] = [];
    for (let d = 0; d < dims; d++) ne.push(await r.int32(512));
    const name = decoder.decode(await r.bytes(nameLength, 512));
    const spec = expected.get(name);
    if (!spec) throw invalid(`unknown tensor "${name.slice(0, 64)}" at byte ${at}`);
    if (seen.has(name)) throw invalid(`tensor ${name} appears twice`);
    seen.add(name);
    const shape = [...ne, 1, 1, 1].slice(0, 4);
    const want = [...spec.ne, 1, 1, 1].slice(0, 4);
    if (shape.some((n, d) => n !== want[d])) throw invalid(`tensor ${name} has shape [${ne.join(', ')}], expected [${spec.ne.join(', ')}]`);
    const size = TYPE_SIZES[type];
    const wantSize = TYPE_SIZES[typeOf[spec.kind]]!;
    const elements = shape.reduce((x, y) => x * y, 1);
    if (!size) throw invalid(`tensor ${name} has unsupported type ${type}`);
    // whisper.cpp compares byte counts, as here: the data is read straight into its tensor.
    const bytes = (elements / size[0]) * size[1];
    if (bytes !== (elements / wantSize[0]) * wantSize[1] || elements % size[0] !== 0) throw invalid(`tensor ${name} has type ${type}, expected ${typeOf[spec.kind]}`);
    r.skip(bytes);
    tensorBytes += bytes;
  }
  if (seen.size !== expected.size) {
    const missing = [...expected.keys()].filter((name) => !seen.has(name));
    throw invalid(`${missing.length} of ${expected.size} tensors missing (first: ${missing[0]})`);
  }
  return { ok: true, hparams, multilingual: nVocab >= MULTILINGUAL_VOCAB, tensors: seen.size, tensorBytes };
}

/** Checks the model file at `path` (reads its headers and tensor records, not its weights). */
export async function checkWhisperModelFile(path: string): Promise<WhisperModelCheck> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return await checkWhisperModel({
      size,
      read: async (offset, length) => {
        const buffer = Buffer.alloc(Math.min(length, Math.max(0, size - offset)));
        const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
      },
    });
  } finally {
    await file.close();
  }
}
