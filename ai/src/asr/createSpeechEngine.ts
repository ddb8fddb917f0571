import { join } from 'node:path';
import { PocketsphinxEngine } from './PocketsphinxEngine.js';
import { DEFAULT_WHISPER_MODEL, WhisperEngine } from './WhisperEngine.js';
import { SherpaOnnxEngine } from './SherpaOnnxEngine.js';
import { EngineError, EngineErrorCode, type CaptionLanguage, type SpeechEngine } from './SpeechEngine.js';
import type { EngineChoice } from './engineChoice.js';

/**
 * The speech engine for a lesson language, as the operator chose it (CAPTION_ENGINE_EN/_ZH), not
 * yet started. An engine that cannot recognise the language is refused with ASR_UNAVAILABLE.
 */
export async function createSpeechEngine(language: CaptionLanguage, choice: EngineChoice): Promise<SpeechEngine> {
  const name = choice.engines[language];
  switch (name) {
    case 'pocketsphinx':
      if (language !== 'en') throw new EngineError(EngineErrorCode.Unavailable, `pocketsphinx here recognises English only, not ${language} (set CAPTION_ENGINE_ZH to sherpa-onnx or whisper)`);
      return new PocketsphinxEngine();
    case 'whisper':
      // A multilingual ggml model (base by default; `scripts/fetch-models.sh --whisper small` for more accuracy).
      return new WhisperEngine({ language, modelPath: join(choice.modelsDir, DEFAULT_WHISPER_MODEL) });
    case 'sherpa-onnx':
      // The streaming zipformer zh-en model (scripts/fetch-models.sh) recognises Mandarin and English.
      return new SherpaOnnxEngine({ language, modelsDir: choice.modelsDir });
  }
}
