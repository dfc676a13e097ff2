/** The API's own settings: the serving caches' TTLs. */
import { InvalidConfigError } from '../../../common/errors';
import { loadApiSettings } from '../../../api/settings/api-settings';

describe('loadApiSettings', () => {
  it('should remember keys and alias resolutions for 5 s by default', () => {
    expect(loadApiSettings('/srv/distillery', {})).toMatchObject({ keyCacheTtlMs: 5000, aliasCacheTtlMs: 5000 });
  });

  it('should read both TTLs in milliseconds, 0 turning a cache off', () => {
    const settings = loadApiSettings('/srv/distillery', {
      DISTILLERY_KEY_CACHE_TTL_MS: '0',
      DISTILLERY_ALIAS_CACHE_TTL_MS: '1500',
    });

    expect(settings).toMatchObject({ keyCacheTtlMs: 0, aliasCacheTtlMs: 1500 });
  });

  it.each([
    ['DISTILLERY_KEY_CACHE_TTL_MS', '-1'],
    ['DISTILLERY_ALIAS_CACHE_TTL_MS', '2.5'],
    ['DISTILLERY_ALIAS_CACHE_TTL_MS', '300001'],
  ])('should refuse %s=%s, naming the variable', (name, value) => {
    expect(() => loadApiSettings('/srv/distillery', { [name]: value })).toThrow(InvalidConfigError);
    expect(() => loadApiSettings('/srv/distillery', { [name]: value })).toThrow(`invalid configuration: ${name}:`);
  });
});
