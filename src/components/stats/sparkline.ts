/** Where a sparkline draws: its viewBox is `0 0 width height`. */
export interface SparklineBox {
  width: number;
  height: number;
}

/** One point of a series: when, and the value (`null` where there is none). */
export interface SeriesPoint {
  time: number;
  value: number | null;
}

/**
 * The `points` of the `<polyline>`s drawing a series over the last `span` ms before `end`, scaled so that `max`
 * touches the top. A `null` value breaks the line, so each unbroken run is its own polyline.
 *
 * @example
 * sparklinePoints([{ time: 0, value: 0 }, { time: 1000, value: 5 }], 1000, 1000, 10, { width: 100, height: 20 });
 * // ['0,20 100,10']
 */
export function sparklinePoints(
  series: readonly SeriesPoint[],
  end: number,
  span: number,
  max: number,
  box: SparklineBox,
): string[] {
  const runs: string[] = [];
  let run: string[] = [];
  const scale = max > 0 ? max : 1;
  for (const { time, value } of series) {
    if (value === null || time < end - span) {
      if (run.length) runs.push(run.join(' '));
      run = [];
      continue;
    }
    const x = box.width - ((end - time) / span) * box.width;
    const y = box.height - (Math.min(Math.max(value, 0), scale) / scale) * box.height;
    run.push(`${round(x)},${round(y)}`);
  }
  if (run.length) runs.push(run.join(' '));
  return runs;
}

/** The polygon `points` closing a polyline down to the baseline, to fill the area under it. */
export function areaPoints(points: string, box: SparklineBox): string {
  const coordinates = points.split(' ');
  const firstX = coordinates[0]?.split(',')[0] ?? '0';
  const lastX = coordinates.at(-1)?.split(',')[0] ?? '0';
  return `${firstX},${box.height} ${points} ${lastX},${box.height}`;
}

/** The largest value of the series, or `floor` when they are all smaller. */
export function seriesMax(series: readonly SeriesPoint[], floor: number): number {
  let max = floor;
  for (const { value } of series) if (value !== null && value > max) max = value;
  return max;
}

const round = (n: number): number => Math.round(n * 10) / 10;
