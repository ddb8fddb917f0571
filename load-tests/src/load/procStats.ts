import fs from 'node:fs/promises';

/*
 * CPU, memory and descriptors of local processes from /proc, and the machine's busy
 * share: what a load run needs to tell the server's cost from the bots'.
 */

/** Linux reports /proc CPU times in USER_HZ, 100 on every architecture Node runs on. */
const USER_HZ = 100;

/** CPU seconds (user + system) a process has used; null once it is gone. */
export async function cpuSecondsOf(pid: number): Promise<number | null> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ; // utime, stime (fields 14 and 15)
  } catch {
    return null;
  }
}

/** Resident memory in bytes; null once gone. */
export async function rssBytesOf(pid: number): Promise<number | null> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/** Open file descriptors (sockets included); null once gone. */
export async function fdCountOf(pid: number): Promise<number | null> {
  try {
    return (await fs.readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return null;
  }
}

/** A process below another: its pid and command name (as /proc/PID/stat gives it, 15 characters at most). */
export interface ProcessEntry {
  pid: number;
  command: string;
}

/** Every process below `rootPid` (children, theirs, …), read from /proc in one pass. */
export async function descendants(rootPid: number): Promise<ProcessEntry[]> {
  const children = new Map<number, ProcessEntry[]>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), { pid: Number(entry), command }]);
    } catch {
      // exited while we looked
    }
  }
  const found: ProcessEntry[] = [];
  const queue = [rootPid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found.sort((a, b) => a.pid - b.pid);
}

/** Jiffies per CPU (busy, total) from /proc/stat: the first entry is the whole machine. */
export interface MachineTimes {
  cpus: Array<{ busy: number; total: number }>;
}

export async function machineTimes(): Promise<MachineTimes> {
  const text = await fs.readFile('/proc/stat', 'utf8');
  const cpus = text
    .split('\n')
    .filter((line) => /^cpu\d* /.test(line))
    .map((line) => {
      const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
      const busy = user! + nice! + system! + irq! + softirq! + steal!;
      return { busy, total: busy + idle! + iowait! };
    });
  return { cpus };
}

/** Busy share (0..1) of the machine and of each core between two readings. */
export function busyShare(before: MachineTimes, after: MachineTimes): { machine: number; perCore: number[] } {
  const share = (i: number) => {
    const total = after.cpus[i]!.total - before.cpus[i]!.total;
    return total > 0 ? (after.cpus[i]!.busy - before.cpus[i]!.busy) / total : 0;
  };
  return { machine: share(0), perCore: after.cpus.slice(1).map((_, i) => share(i + 1)) };
}

/** This machine's UDP receive-buffer overflows (/proc/net/snmp RcvbufErrors): packets dropped at some socket, a bot's or the server's, because its reader fell behind. */
export async function udpReceiveBufferErrors(): Promise<number | null> {
  try {
    const lines = (await fs.readFile('/proc/net/snmp', 'utf8')).split('\n').filter((line) => line.startsWith('Udp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    const value = Number(values[names.indexOf('RcvbufErrors')]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}
