import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./tiny_sherpa_model.py', import.meta.url));

let generated: string | null = null;

/**
 * A tiny synthetic streaming transducer (sherpa-onnx "lstm" type, random weights: it decodes audio
 * into meaningless text) in a temp dir: encoder.onnx, decoder.onnx, joiner.onnx, tokens.txt.
 * Generated once per test file with Debian's python3-onnx and numpy; removed when the process exits.
 */
export function tinySherpaModel(): string {
  if (!generated) {
    const dir = mkdtempSync(join(tmpdir(), 'classbridge-sherpa-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const model = join(dir, 'model');
    // Debian's interpreter: python3-onnx is installed for it, not for a pyenv python on PATH.
    execFileSync('/usr/bin/python3', [SCRIPT, model], { stdio: ['ignore', 'ignore', 'pipe'] });
    generated = model;
  }
  return generated;
}

/** A copy of the tiny model that a test may damage (next to the original, removed with it). */
export function tinySherpaModelCopy(name: string): string {
  const copy = join(tinySherpaModel(), '..', name);
  cpSync(tinySherpaModel(), copy, { recursive: true });
  return copy;
}
