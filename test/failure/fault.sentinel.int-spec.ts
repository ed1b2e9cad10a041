import { describe } from '@jest/globals';
import { MASTER_NAME, RedisServer, SentinelFixture, waitFor } from '../harness/index.js';
import { faultBehaviour } from './fault-behaviour.js';

// Through Sentinel: "hang" freezes the master (Sentinel may fail over while it hangs), "crash"
// kills the master and "restart" waits for the replica's promotion (a failover: the replica
// keeps what it had), then starts the old master again (Sentinel makes it a replica).
describe('faults through Sentinel (master hung; master crashed and failed over)', () => {
  faultBehaviour(async () => {
    const group = await SentinelFixture.start();
    const servers = [group.master, group.replica];
    const currentMaster = async () => {
      const port = await group.masterPort();
      return servers.find((s) => s.port === port)!;
    };
    let master = group.master;
    let crashed: RedisServer | undefined;
    return {
      connection: () => ({ sentinels: group.addresses, name: MASTER_NAME }),
      hang: () => master.pause(),
      wake: async () => {
        servers.forEach((s) => s.resume());
        master = await currentMaster();
      },
      crash: async () => {
        await group.waitDiscovered();
        crashed = master = await currentMaster();
        await crashed.kill();
      },
      restart: async () => {
        const before = crashed!.port;
        await waitFor(async () => (await group.masterPort()) !== before, 30_000, 'the replica to be promoted', 100);
        await crashed!.restart();
        master = await currentMaster();
      },
      stop: () => group.stop(),
    };
  });
});
