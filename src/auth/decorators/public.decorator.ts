import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'warden:isPublic';

/** Opts a route out of the global access-token guard. Every other route requires a token. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
