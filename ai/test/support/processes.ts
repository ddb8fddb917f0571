import { execFileSync } from 'node:child_process';

/** Processes below `rootPid` (children, grandchildren, …) with their command lines, from ps. */
export function descendants(rootPid: number): Array<{ pid: number; command: string }> {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), command: match[3]! }));
  const found: Array<{ pid: number; command: string }> = [];
  const parents = [rootPid];
  while (parents.length > 0) {
    const parent = parents.pop()!;
    for (const row of rows) {
      if (row.ppid !== parent) continue;
      found.push({ pid: row.pid, command: row.command });
      parents.push(row.pid);
    }
  }
  return found;
}
