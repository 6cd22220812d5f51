import { SetMetadata } from '@nestjs/common';

export const ALLOWS_UNVERIFIED_EMAIL = 'warden:allowsUnverifiedEmail';

/**
 * Under EMAIL_VERIFICATION=required, the routes a user whose address is not verified yet may call
 * (their profile, the verification routes, logout-all); every other access-token route answers
 * 403 `email_not_verified`.
 */
export const AllowUnverifiedEmail = () => SetMetadata(ALLOWS_UNVERIFIED_EMAIL, true);
