export { isDatabaseUnavailable } from '../database/database-errors.js';
