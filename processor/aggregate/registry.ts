/** The one place that maps an aggregate spec onto its implementation. */
import { createAvg } from "./avg.ts";
import { createCount } from "./count.ts";
import { createCountDistinct } from "./count-distinct.ts";
import { createFirstLast } from "./first-last.ts";
import { createExtremum } from "./min-max.ts";
import { createPercentile } from "./percentile.ts";
import type { AggregateSpec } from "../../schemas/spec/aggregate.ts";
import { createSum } from "./sum.ts";
import { erase, type Aggregator } from "./types.ts";

export function createAggregator(spec: AggregateSpec): Aggregator {
  switch (spec.op) {
    case "count":
      return erase(createCount(spec.field !== undefined));
    case "sum":
      return erase(createSum());
    case "min":
      return erase(createExtremum(Math.min));
    case "max":
      return erase(createExtremum(Math.max));
    case "avg":
      return erase(createAvg());
    case "count_distinct":
      return erase(createCountDistinct({ exactLimit: spec.exact_limit, precision: spec.precision }));
    case "percentile":
      return erase(createPercentile({ quantile: spec.quantile, relativeAccuracy: spec.relative_accuracy, maxBins: spec.max_bins }));
    case "first":
    case "last":
      return erase(createFirstLast(spec.op));
  }
}
