/**
 * The process settings as an injectable value: read once from the environment by the same
 * `loadSettings()` the workers use, so the API and the workers agree on the registry and data folder.
 */
import { Global, Module } from '@nestjs/common';

import { loadSettings, type Settings } from '../../workers/settings';

/** Injection token of the validated {@link Settings}: `@Inject(SETTINGS) settings: Settings`. */
export const SETTINGS = Symbol('Settings');

/**
 * Provides {@link SETTINGS} to every module. Settings are read when the application is created;
 * an invalid variable makes creation fail with an `InvalidConfigError` naming it.
 */
@Global()
@Module({
  providers: [{ provide: SETTINGS, useFactory: (): Settings => loadSettings() }],
  exports: [SETTINGS],
})
export class SettingsModule {}
