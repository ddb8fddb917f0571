import type { types } from 'mediasoup';
import type { ProducerAppData } from './SfuPeer.js';

/**
 * One end of a node-to-node pipe in a lesson's room: a mediasoup PipeTransport connected to the
 * same lesson's room on another SFU node. Producers go out through it once (a consumer on this
 * end) and come in through it once (a producer on this end, with the sending node's producer id,
 * consumable by this node's peers like a local one) — one copy per producer per node, however
 * many receivers it has there. Closing the pipe closes both; it closes with its room.
 */
export class RoomPipe {
  readonly id: string;
  readonly transport: types.PipeTransport;
  /** Producers of this node sent through the pipe: producer id → the pipe consumer carrying it. */
  readonly outgoing = new Map<string, types.Consumer>();
  /** Producers of the other node received through the pipe, by their (shared) producer id. */
  readonly incoming = new Map<string, types.Producer<ProducerAppData>>();

  constructor(transport: types.PipeTransport) {
    this.id = transport.id;
    this.transport = transport;
    transport.observer.on('close', () => {
      this.outgoing.clear();
      this.incoming.clear();
    });
  }

  get closed(): boolean {
    return this.transport.closed;
  }

  /** Where the other node sends to. */
  get endpoint(): { ip: string; port: number } {
    const { localAddress, localIp, localPort } = this.transport.tuple as { localAddress?: string; localIp?: string; localPort: number };
    return { ip: localAddress ?? localIp ?? '', port: localPort };
  }

  close(): void {
    this.transport.close();
  }
}
