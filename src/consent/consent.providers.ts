import type { NestMiddleware, Provider, Type } from '@nestjs/common';

/** The consent feature's part of AuthConsentModule. */
export const consentProviders: Provider[] = [];
export const consentControllers: Type[] = [];
export const consentExports: Array<string | symbol | Type> = [];
/** Mounted after the session and auth middleware, in this order. */
export const consentMiddleware: Array<Type<NestMiddleware>> = [];
