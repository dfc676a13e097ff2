/**
 * The process settings as injectable values: read once from the environment by the same
 * `loadSettings()` the workers use, so the API and the workers agree on the registry and data folder,
 * plus the API's own settings (keys, limits, data folder).
 */
import { join } from 'node:path';

import { Global, Module } from '@nestjs/common';

import { LocalArtifactStore } from '../../artifacts/store';
import { loadSettings, type Settings } from '../../workers/settings';
import { CLOCK, MonotonicClock } from '../http/ttl-cache';
import { loadApiSettings, type ApiSettings } from './api-settings';

/** Injection token of the validated {@link Settings}: `@Inject(SETTINGS) settings: Settings`. */
export const SETTINGS = Symbol('Settings');
/** Injection token of the validated {@link ApiSettings}. */
export const API_SETTINGS = Symbol('ApiSettings');
/** Injection token of the artifact store, the same folder the workers write: `$DISTILLERY_HOME/artifacts`. */
export const ARTIFACT_STORE = Symbol('ArtifactStore');

/**
 * Provides {@link SETTINGS}, {@link API_SETTINGS}, {@link ARTIFACT_STORE} and the {@link CLOCK} of the
 * caches (monotonic; tests replace its `now`) to every module. Settings
 * are read when the application is created; an invalid variable makes creation fail with an
 * `InvalidConfigError` naming it.
 */
@Global()
@Module({
  providers: [
    { provide: SETTINGS, useFactory: (): Settings => loadSettings() },
    { provide: API_SETTINGS, inject: [SETTINGS], useFactory: (s: Settings): ApiSettings => loadApiSettings(s.home) },
    {
      provide: ARTIFACT_STORE,
      inject: [SETTINGS],
      useFactory: (s: Settings) => new LocalArtifactStore(join(s.home, 'artifacts')),
    },
    { provide: CLOCK, useClass: MonotonicClock },
  ],
  exports: [SETTINGS, API_SETTINGS, ARTIFACT_STORE, CLOCK],
})
export class SettingsModule {}
