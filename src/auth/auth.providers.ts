import type { NestMiddleware, Provider, Type } from '@nestjs/common';

/** The login feature's part of AuthConsentModule. */
export const authProviders: Provider[] = [];
export const authControllers: Type[] = [];
export const authExports: Array<string | symbol | Type> = [];
/** Mounted after the session middleware, in this order. */
export const authMiddleware: Array<Type<NestMiddleware>> = [];
