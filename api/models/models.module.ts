/** Model registry routes and prediction. */
import { Module } from '@nestjs/common';

import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';

/** Serves `/models`; relies on the global registry, settings and metrics modules. */
@Module({ controllers: [ModelsController], providers: [ModelsService] })
export class ModelsModule {}
