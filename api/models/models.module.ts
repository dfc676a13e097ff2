/** Model registry routes and prediction. */
import { Module } from '@nestjs/common';

import { BatchPredictController } from './batch-predict.controller';
import { BatchPredictService } from './batch-predict.service';
import { ModelsController } from './models.controller';
import { ModelsService } from './models.service';

/** Serves `/models` and batch prediction; relies on the global registry, Temporal, settings and metrics modules. */
@Module({ controllers: [ModelsController, BatchPredictController], providers: [ModelsService, BatchPredictService] })
export class ModelsModule {}
