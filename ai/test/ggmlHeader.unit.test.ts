import { checkWhisperModel, type ByteSource } from '../src/asr/ggmlHeader.js';
import { tinyWhisperModel } from './support/tinyWhisperModel.js';

/** An in-memory file that counts what is read of it. */
function source(bytes: Uint8Array): ByteSource & { bytesRead: number } {
  return {
    size: bytes.length,
    bytesRead: 0,
    async read(offset, length) {
      const chunk = bytes.subarray(offset, offset + length);
      this.bytesRead += chunk.length;
      return chunk;
    },
  };
}

const check = (bytes: Uint8Array) => checkWhisperModel(source(bytes));
const reason = async (bytes: Uint8Array) => {
  const result = await check(bytes);
  return result.ok ? 'ok' : result.reason;
};

const MODEL = tinyWhisperModel({ state: 64, heads: 2, layers: 1 });
// magic, 11 hparams, then the mel filters' dimensions and 80 x 201 floats, then the vocabulary.
const HPARAMS_AT = 4;
const FILTERS_AT = 4 + 44;
const VOCAB_AT = FILTERS_AT + 8 + 80 * 201 * 4;
const HPARAM = { nVocab: 0, nAudioCtx: 1, nAudioState: 2, nAudioHead: 3, nAudioLayer: 4, nTextCtx: 5, nTextState: 6, nTextHead: 7, nTextLayer: 8, nMels: 9, ftype: 10 };

function withInt32(at: number, value: number, bytes: Buffer = MODEL): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeInt32LE(value, at);
  return copy;
}
const withHparam = (name: keyof typeof HPARAM, value: number) => withInt32(HPARAMS_AT + HPARAM[name] * 4, value);

/** Offset of a tensor record (its n_dims field), found by its name. */
function recordOf(name: string, bytes: Buffer = MODEL): { at: number; dims: number } {
  const nameAt = bytes.indexOf(Buffer.from(name), VOCAB_AT);
  for (let dims = 1; dims <= 4; dims++) {
    const at = nameAt - 12 - 4 * dims;
    if (bytes.readInt32LE(at) === dims && bytes.readInt32LE(at + 4) === name.length) return { at, dims };
  }
  throw new Error(`no record for ${name}`);
}

describe('checkWhisperModel (whisper.cpp ggml files)', () => {
  it('accepts a well-formed model and reports its hyperparameters, reading only headers and records', async () => {
    const file = source(MODEL);
    const result = await checkWhisperModel(file);
    expect(result).toMatchObject({
      ok: true,
      multilingual: true,
      tensors: 11 + 15 + 24, // 11 top-level, 15 per encoder layer, 24 per decoder layer
      hparams: { nVocab: 51865, nAudioCtx: 1500, nAudioState: 64, nAudioHead: 2, nAudioLayer: 1, nTextCtx: 32, nTextState: 64, nTextHead: 2, nTextLayer: 1, nMels: 80, ftype: 1 },
    });
    // The weights (the token embedding alone is 6.6 MB here) are skipped, not read.
    expect(file.bytesRead).toBeLessThan(MODEL.length / 3);
  });

  it('accepts f32 models, English-only vocabularies, several layers and quantization versions', async () => {
    expect(await check(tinyWhisperModel({ ftype: 0 }))).toMatchObject({ ok: true, hparams: { ftype: 0 } });
    expect(await check(tinyWhisperModel({ vocab: 51864 }))).toMatchObject({ ok: true, multilingual: false });
    expect(await check(tinyWhisperModel({ layers: 3, state: 96, heads: 3 }))).toMatchObject({ ok: true, tensors: 11 + 3 * 15 + 3 * 24 });
    // whisper.cpp stores the quantization version as ftype / 1000.
    expect(await check(withHparam('ftype', 2001))).toMatchObject({ ok: true, hparams: { ftype: 1 } });
  });

  it('refuses what is not a ggml whisper model', async () => {
    expect(await reason(Buffer.alloc(0))).toMatch(/only 0 bytes/);
    expect(await reason(Buffer.from('not a model at all, just some text'))).toMatch(/not a ggml file/);
    expect(await reason(Buffer.concat([Buffer.from('GGUF'), MODEL.subarray(4)]))).toMatch(/GGUF/);
  });

  it('refuses a file cut short anywhere: header, filters, vocabulary, records, weights', async () => {
    const tokenEmbedding = recordOf('decoder.token_embedding.weight');
    for (const length of [10, FILTERS_AT + 4, VOCAB_AT - 100, VOCAB_AT + 500, tokenEmbedding.at + 14, tokenEmbedding.at + 200, MODEL.length - 1]) {
      expect(await reason(MODEL.subarray(0, length))).toMatch(/truncated/);
    }
  });

  it('refuses a file cut at a record boundary (whisper.cpp would load the tensors it has)', async () => {
    const last = recordOf('decoder.blocks.0.mlp.2.bias');
    expect(await reason(MODEL.subarray(0, last.at))).toMatch(/1 of 50 tensors missing \(first: decoder\.blocks\.0\.mlp\.2\.bias\)/);
    // Cut right after the vocabulary: whisper.cpp "loads" an empty model that never finishes a transcription.
    const first = recordOf('encoder.positional_embedding');
    expect(await reason(MODEL.subarray(0, first.at))).toMatch(/50 of 50 tensors missing/);
  });

  it.each([
    ['nVocab', 0x7fffffff, /implausible n_vocab/],
    ['nAudioState', 1 << 20, /implausible n_audio_state/],
    ['nAudioHead', 0, /implausible n_audio_head/],
    ['nAudioHead', 3, /not a multiple of n_audio_head/],
    ['nTextHead', 5, /not a multiple of n_text_head/],
    ['nAudioLayer', -1, /implausible n_audio_layer/],
    ['nTextState', 128, /differs from n_audio_state/],
    ['nAudioCtx', 750, /n_audio_ctx 750/],
    ['nMels', 128, /mel filters for 80 bands, the model has 128/],
    ['ftype', 4, /unsupported ftype 4/],
    ['ftype', 99, /unsupported ftype 99/],
  ] as const)('refuses hparam %s = %d', async (name, value, expected) => {
    expect(await reason(withHparam(name, value))).toMatch(expected);
  });

  it('refuses inconsistent mel filters and vocabularies', async () => {
    expect(await reason(withInt32(FILTERS_AT + 4, 400))).toMatch(/over 400 FFT bins/);
    // The loop whisper.cpp would spin in for ever.
    expect(await reason(withInt32(VOCAB_AT, 0x7fffffff))).toMatch(/vocabulary of 2147483647 tokens/);
    expect(await reason(withInt32(VOCAB_AT, -1))).toMatch(/vocabulary of -1 tokens/);
    expect(await reason(withInt32(VOCAB_AT + 4, 1 << 24))).toMatch(/token 0 is 16777216 bytes long/);
  });

  it('refuses tensor records that whisper.cpp would refuse or misread', async () => {
    const conv = recordOf('encoder.conv1.weight');
    expect(conv.dims).toBe(3);
    expect(await reason(withInt32(conv.at + 12, 5))).toMatch(/encoder\.conv1\.weight has shape \[5, 80, 64\], expected \[3, 80, 64\]/);
    expect(await reason(withInt32(conv.at, 7))).toMatch(/has 7 dimensions/);
    expect(await reason(withInt32(conv.at + 4, 100_000))).toMatch(/100000-byte name/);
    // f32 data where whisper.cpp expects f16: twice the bytes.
    expect(await reason(withInt32(conv.at + 8, 0))).toMatch(/encoder\.conv1\.weight has type 0, expected 1/);
    expect(await reason(withInt32(conv.at + 8, 77))).toMatch(/unsupported type 77/);
    const renamed = Buffer.from(MODEL);
    renamed.write('X', conv.at + 12 + 4 * conv.dims);
    expect(await reason(renamed)).toMatch(/unknown tensor "Xncoder\.conv1\.weight"/);
  });

  it('refuses a duplicated tensor and trailing garbage, tolerates a few trailing bytes (as whisper.cpp does)', async () => {
    const bias = recordOf('decoder.blocks.0.mlp.2.bias');
    const record = MODEL.subarray(bias.at);
    expect(await reason(Buffer.concat([MODEL, record]))).toMatch(/decoder\.blocks\.0\.mlp\.2\.bias appears twice/);
    expect(await reason(Buffer.concat([MODEL, Buffer.alloc(64, 0xff)]))).toMatch(/tensor record at byte \d+ has -1 dimensions/);
    expect(await check(Buffer.concat([MODEL, Buffer.alloc(11)]))).toMatchObject({ ok: true });
  });
});
