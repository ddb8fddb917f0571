import { PocketsphinxEngine } from './PocketsphinxEngine.js';
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
    default:
      throw new EngineError(EngineErrorCode.Unavailable, `speech engine ${name} is not available in this build`);
  }
}
