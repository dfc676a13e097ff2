/** Model registry routes. */
import { Module } from '@nestjs/common';

import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';

/** Serves `/models`; relies on the global `RegistryModule`. */
@Module({ controllers: [ModelsController], providers: [ModelsService] })
export class ModelsModule {}
