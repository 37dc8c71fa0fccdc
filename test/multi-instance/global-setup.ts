import { ensureBuild } from '../../tools/stack/cluster.ts';
import { redisServerBinary } from '../../tools/stack/redis.ts';

/** Fails at once (with how to fix it) when redis-server is missing; builds .next-multi when sources changed. */
export default async function globalSetup(): Promise<void> {
  redisServerBinary();
  await ensureBuild();
}
