/** `nestjs-auth-consent/terminus`: what needs `@nestjs/terminus` (the main entry does not). */
export { AuthConsentHealthIndicator } from './auth-consent.health-indicator.js';
