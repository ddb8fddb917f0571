import type { CaptionLanguage } from './SpeechEngine.js';

export type EngineName = 'pocketsphinx' | 'whisper' | 'sherpa-onnx';

/** Which engine recognises which lesson language, and where the downloaded models are. */
export interface EngineChoice {
  engines: Record<CaptionLanguage, EngineName>;
  modelsDir: string;
}

/** The environment variable the caption worker process reads its EngineChoice from. */
export const ENGINE_CHOICE_ENV = 'CLASSBRIDGE_CAPTION_ENGINES';

export const DEFAULT_ENGINE_CHOICE: EngineChoice = { engines: { en: 'pocketsphinx', zh: 'sherpa-onnx' }, modelsDir: 'models' };

/** Reads the worker's EngineChoice (the parent wrote it); the default when absent or malformed. */
export function readEngineChoice(text: string | undefined): EngineChoice {
  if (!text) return DEFAULT_ENGINE_CHOICE;
  try {
    const parsed = JSON.parse(text) as Partial<EngineChoice>;
    const names = new Set<EngineName>(['pocketsphinx', 'whisper', 'sherpa-onnx']);
    const en = parsed.engines?.en;
    const zh = parsed.engines?.zh;
    return {
      engines: { en: en && names.has(en) ? en : DEFAULT_ENGINE_CHOICE.engines.en, zh: zh && names.has(zh) ? zh : DEFAULT_ENGINE_CHOICE.engines.zh },
      modelsDir: typeof parsed.modelsDir === 'string' && parsed.modelsDir ? parsed.modelsDir : DEFAULT_ENGINE_CHOICE.modelsDir,
    };
  } catch {
    return DEFAULT_ENGINE_CHOICE;
  }
}
