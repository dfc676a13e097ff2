/**
 * `distillery keys create`: creates an API key directly in the registry (no API needed), e.g. the
 * first admin key of a deployment. The key is printed once; only its SHA-256 is stored.
 */
import type { Command } from 'commander';

import { openRegistry } from '../../registry/db';
import { createApiKey } from '../../registry/keys';
import { API_ROLES, type ApiRole } from '../../registry/schema';
import { loadSettings } from '../../workers/settings';

/** Adds `keys create` to the program. */
export function registerKeyCommands(program: Command): void {
  program
    .command('keys')
    .description('manage API keys in the registry directly')
    .command('create')
    .description('create an API key and print it once (only its hash is stored)')
    .requiredOption('--name <name>', 'unique key name, recorded as the actor of its mutations')
    .requiredOption('--role <role>', `one of ${API_ROLES.join(', ')}`)
    .action(async (options: { name: string; role: ApiRole }) => {
      const settings = loadSettings();
      const registry = await openRegistry({ databaseUrl: settings.databaseUrl, dataDir: settings.home });
      try {
        const created = await createApiKey(registry, { ...options, createdBy: 'cli' });
        console.log(JSON.stringify(created, null, 2));
      } finally {
        await registry.close();
      }
    });
}
