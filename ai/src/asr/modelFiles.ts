import { EngineError, EngineErrorCode } from './SpeechEngine.js';

/**
 * The script that downloads the recommended Whisper and sherpa-onnx models on a machine with
 * internet (the server itself never downloads a model). Every model error names it.
 */
export const FETCH_MODELS_SCRIPT = 'scripts/fetch-models.sh';

/** Where operators put speech models when MODELS_DIR is not set (relative to the working directory). */
export const DEFAULT_MODELS_DIR = 'models';

/** A model file or directory that is not there. */
export function missingModel(engine: string, path: string): EngineError {
  return new EngineError(
    EngineErrorCode.ModelUnusable,
    `${engine} model not found at ${path}: put it there (MODELS_DIR), e.g. with ${FETCH_MODELS_SCRIPT} on a machine with internet`,
  );
}

/** A model that is there but cannot be used (truncated, wrong format, fails to load). */
export function corruptModel(engine: string, path: string, reason: string): EngineError {
  return new EngineError(
    EngineErrorCode.ModelUnusable,
    `${engine} model at ${path} is unusable (${reason}): replace it, e.g. with ${FETCH_MODELS_SCRIPT} on a machine with internet`,
  );
}
