import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** The ffmpeg the recorder runs, and where it came from. */
export interface FfmpegBinaries {
  ffmpeg: string;
  /**
   * Located but not checked (the recorder itself only runs ffmpeg; ffprobe is
   * for diagnostics and tests), unless FFPROBE_PATH names it explicitly.
   */
  ffprobe: string;
  source: 'FFMPEG_PATH' | 'system' | 'ffmpeg-static';
}

export interface ResolveFfmpegDeps {
  /** Loads the optional `ffmpeg-static` package (replaceable in tests). */
  importFfmpegStatic?: () => Promise<unknown>;
}

const exe = process.platform === 'win32' ? '.exe' : '';

/**
 * Finds a working ffmpeg: FFMPEG_PATH (with FFPROBE_PATH, else the ffprobe
 * beside it) when set, else ffmpeg on PATH (Debian's /usr/bin/ffmpeg), else
 * the optional `ffmpeg-static` package if it happens to be installed. It is
 * not a dependency: its install script downloads the binary from outside the
 * npm registry, which fails on offline school networks. A set FFMPEG_PATH
 * that does not work is an error, not a reason to quietly use another ffmpeg.
 */
export async function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env, deps: ResolveFfmpegDeps = {}): Promise<FfmpegBinaries> {
  const configured = env.FFMPEG_PATH?.trim();
  if (configured) {
    const problem = await checkRuns(configured, 'ffmpeg');
    if (problem) throw new Error(`FFMPEG_PATH=${configured} is not a working ffmpeg (${problem}); fix FFMPEG_PATH or unset it to use the system ffmpeg`);
    return { ffmpeg: configured, ffprobe: await locateFfprobe(configured, env), source: 'FFMPEG_PATH' };
  }

  const broken: string[] = [];
  for (const candidate of await findOnPath(`ffmpeg${exe}`, env)) {
    if (!(await checkRuns(candidate, 'ffmpeg'))) return { ffmpeg: candidate, ffprobe: await locateFfprobe(candidate, env), source: 'system' };
    broken.push(candidate);
  }

  // A non-literal specifier: the package is optional, so TypeScript must not look for it.
  const optionalPackage: string = 'ffmpeg-static';
  const importStatic = deps.importFfmpegStatic ?? (() => import(optionalPackage));
  let staticPath: string | null = null;
  try {
    const module = (await importStatic()) as { default?: unknown };
    staticPath = typeof module.default === 'string' ? module.default : null;
  } catch {
    // Not installed: the usual case.
  }
  if (staticPath && !(await checkRuns(staticPath, 'ffmpeg'))) return { ffmpeg: staticPath, ffprobe: await locateFfprobe(staticPath, env), source: 'ffmpeg-static' };

  throw new Error(
    'No working ffmpeg found: set FFMPEG_PATH to an ffmpeg binary, or install it (Debian: apt-get install ffmpeg)' +
      (broken.length > 0 ? ` (${broken.join(', ')} did not run)` : ''),
  );
}

/** FFPROBE_PATH (which must work), else the ffprobe beside ffmpeg, else one on PATH, else the (missing) one beside ffmpeg. */
async function locateFfprobe(ffmpeg: string, env: NodeJS.ProcessEnv): Promise<string> {
  const configured = env.FFPROBE_PATH?.trim();
  if (configured) {
    const problem = await checkRuns(configured, 'ffprobe');
    if (problem) throw new Error(`FFPROBE_PATH=${configured} is not a working ffprobe (${problem})`);
    return configured;
  }
  const beside = path.join(path.dirname(ffmpeg), `ffprobe${exe}`);
  if (await isExecutable(beside)) return beside;
  return (await findOnPath(`ffprobe${exe}`, env))[0] ?? beside;
}

/** Executables of that name in the PATH directories, in PATH order. */
async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const found: string[] = [];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && (await isExecutable(candidate))) found.push(candidate);
  }
  return found;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs `<binary> -version`: null when it works, else what went wrong. */
function checkRuns(binary: string, name: 'ffmpeg' | 'ffprobe'): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(binary, ['-version'], { timeout: 10_000 }, (error, stdout) => {
      if (error) resolve(error.message.split('\n')[0] ?? String(error));
      else if (!stdout.startsWith(`${name} version`)) resolve(`\`${binary} -version\` does not print "${name} version"`);
      else resolve(null);
    });
  });
}
