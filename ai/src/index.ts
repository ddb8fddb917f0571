export { SileroVad, VadModelError, bundledSileroModel, VAD_WINDOW, VAD_CONTEXT, VAD_SAMPLE_RATE } from './vad/SileroVad.js';
export { PocketsphinxEngine, DEFAULT_POCKETSPHINX_MODEL_DIR } from './asr/PocketsphinxEngine.js';
export type { PocketsphinxEngineOptions } from './asr/PocketsphinxEngine.js';
export { EngineError, EngineErrorCode } from './asr/SpeechEngine.js';
export type { CaptionLanguage, Hypothesis, SpeechEngine } from './asr/SpeechEngine.js';
export { OpusPcmDecoder, PCM_RATE } from './audio/OpusPcmDecoder.js';
export type { PcmChunk } from './audio/OpusPcmDecoder.js';
