import type { InjectionToken, Provider } from '@nestjs/common';

/** The tokens `providers` provide: a feature module exports them all to the modules composed beside it. */
export function tokensOf(providers: Provider[]): InjectionToken[] {
  return providers.map((p) => (typeof p === 'function' ? p : p.provide));
}
