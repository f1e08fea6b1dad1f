import { Reflector } from '@nestjs/core';

/** The metadata behind {@link Roles}, read by RolesGuard. */
export const ROLES_METADATA = Reflector.createDecorator<string[]>();

/** `@Roles('admin', …)`: with RolesGuard, the signed-in user needs at least one of these roles. */
export function Roles(...roles: string[]): MethodDecorator & ClassDecorator {
  return ROLES_METADATA(roles);
}
