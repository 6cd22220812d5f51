import { Global, Inject, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import type { AppConfig } from 'src/config/env.schema';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injects the typed configuration that was validated at boot. */
export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);

/**
 * Serves the configuration parsed by `parseEnv` to every module: typed through `@InjectConfig()`,
 * and as the `warden` namespace of `ConfigService` for teams that extend Warden.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ warden: config })],
        }),
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
