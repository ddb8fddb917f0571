import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MODELS_DIR, corruptModel, missingModel } from './modelFiles.js';

/** The recommended streaming model for Mandarin lessons (it also hears English words in them). */
export const SHERPA_ONNX_DEFAULT_MODEL = 'sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20';

/** `${modelsDir or MODELS_DIR or models}/sherpa-onnx/<the recommended model>` (MODELS_DIR read when called). */
export function defaultSherpaOnnxModelDir(modelsDir?: string): string {
  return join(modelsDir || process.env.MODELS_DIR || DEFAULT_MODELS_DIR, 'sherpa-onnx', SHERPA_ONNX_DEFAULT_MODEL);
}

/** The files of a streaming transducer, as the recognizer's config takes them. */
export interface SherpaModelFiles {
  dir: string;
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
}

/**
 * Finds a streaming transducer's files in `dir` by name, as sherpa-onnx's releases name them
 * (`encoder-epoch-99-avg-1.onnx`, `encoder-epoch-99-avg-1.int8.onnx`, …, `tokens.txt`),
 * preferring the int8 variant where both are there (about half the size and memory, faster on CPU).
 * Throws an ASR_MODEL_UNUSABLE EngineError naming the path when one is missing or empty.
 * Whether the files load is known only when the recognizer loads them (in its own process).
 */
export function findSherpaModelFiles(engine: string, dir: string): SherpaModelFiles {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    throw missingModel(engine, dir);
  }
  const pick = (part: 'encoder' | 'decoder' | 'joiner'): string => {
    const candidates = names.filter((name) => name.startsWith(part) && name.endsWith('.onnx'));
    const chosen = candidates.find((name) => name.includes('.int8.')) ?? candidates[0];
    if (!chosen) throw missingModel(engine, join(dir, `${part}*.onnx`));
    return checked(engine, join(dir, chosen));
  };
  if (!names.includes('tokens.txt')) throw missingModel(engine, join(dir, 'tokens.txt'));
  const tokens = checked(engine, join(dir, 'tokens.txt'));
  const problem = tokensProblem(readFileSync(tokens, 'utf8'));
  if (problem) throw corruptModel(engine, tokens, problem);
  return { dir, encoder: pick('encoder'), decoder: pick('decoder'), joiner: pick('joiner'), tokens };
}

/**
 * What is wrong with a tokens.txt, if anything: one `symbol id` a line (a lone id is the space
 * symbol), ids 0..n-1 each once. The library exits or aborts on a malformed one, or on an id it
 * cannot look up while decoding; a tokens.txt that is well formed but too short is caught only
 * then (see SherpaOnnxEngine's crash limit).
 */
export function tokensProblem(text: string): string | null {
  const ids = new Set<number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const match = /^(?:\S+\s+)?(\d+)$/.exec(line);
    if (!match) return `tokens.txt line ${i + 1} is not "symbol id"`;
    const id = Number(match[1]);
    if (ids.has(id)) return `tokens.txt has id ${id} twice`;
    ids.add(id);
  }
  if (ids.size === 0) return 'tokens.txt has no tokens';
  for (let id = 0; id < ids.size; id++) if (!ids.has(id)) return `tokens.txt lacks id ${id}`;
  return null;
}

function checked(engine: string, path: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw missingModel(engine, path);
  }
  // An interrupted download: the loader would abort on it, so say so before starting it.
  if (size === 0) throw corruptModel(engine, path, 'the file is empty');
  return path;
}
