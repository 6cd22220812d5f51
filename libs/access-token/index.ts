export { AccessTokenGuard } from './access-token.guard';
export { AccessTokenModule } from './access-token.module';
export type { AccessTokenModuleOptions } from './access-token.options';
export {
  AccessTokenVerifier,
  InvalidAccessTokenError,
  type AccessTokenUser,
} from './access-token.verifier';
export { CurrentUser } from './current-user.decorator';
export { REQUIRED_ROLES, Roles } from './roles.decorator';
