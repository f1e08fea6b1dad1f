import { Reflector } from '@nestjs/core';

/** `@Roles('admin')`: with {@link RolesGuard}, the signed-in user needs at least one of these roles. */
export const Roles = Reflector.createDecorator<string[]>({ transform: (value: string[] | string) => (Array.isArray(value) ? value : [value]) });
