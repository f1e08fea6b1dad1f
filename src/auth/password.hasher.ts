import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';

/** argon2id with the configured cost; verifies against a dummy hash of the same cost when there is no user. */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly params: { type: typeof argon2.argon2id; memoryCost: number; timeCost: number; parallelism: number };
  private dummyHash?: Promise<string>;

  constructor(@Inject(AUTH_CONSENT_OPTIONS) options: ResolvedAuthConsentOptions) {
    this.params = { type: argon2.argon2id, ...options.auth.argon2 };
  }

  onModuleInit(): void {
    this.dummy();
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.params);
  }

  /** True when the password matches; a malformed hash is a mismatch, not an error. */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spends the same work as {@link verify} on a real hash, so a missing or disabled user cannot be told apart by timing. */
  async verifyDummy(password: string): Promise<void> {
    await this.verify(await this.dummy(), password);
  }

  /** True when the hash was made with other parameters than the configured ones. */
  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, this.params);
    } catch {
      return true;
    }
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= argon2.hash(randomBytes(32).toString('base64url'), this.params);
    return this.dummyHash;
  }
}
