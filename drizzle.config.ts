/**
 * drizzle-kit configuration: generates the registry's SQL migrations from `registry/schema.ts`.
 * Run `npx drizzle-kit generate` after a schema change and commit `migrations/` with it.
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './registry/schema.ts',
  out: './migrations',
  casing: 'snake_case',
  strict: true,
  verbose: true,
});
