/**
 * A backend's calibrations: the `properties` (and `configuration`) documents it had, kept as
 * history under ids. The newest is what GET /backends/{name}/properties serves; `calibration_id`
 * and `updated_before` select others, and a job submitted with a `calibration_id` runs with that
 * calibration's noise.
 */

/** Where a calibration came from. */
export type CalibrationSource = 'configuration' | 'worker';

export interface Calibration {
  readonly backend: string;
  readonly id: string;
  /** The document's `last_update_date`: what `updated_before` compares. */
  readonly lastUpdate: Date;
  /** The properties document, as JSON text. */
  readonly properties: string;
  /** The configuration document of this calibration, as JSON text, when it has its own. */
  readonly configuration: string | null;
  readonly source: CalibrationSource;
  /** When Berth first recorded it. */
  readonly createdAt: Date;
}

/** A calibration without its documents (listings). */
export type CalibrationInfo = Omit<Calibration, 'properties' | 'configuration'>;

/** The newest of some calibrations: the latest `lastUpdate`, then the latest recorded. */
export function newest<T extends CalibrationInfo>(cals: readonly T[]): T | null {
  let best: T | null = null;
  for (const c of cals)
    if (
      !best ||
      c.lastUpdate.getTime() > best.lastUpdate.getTime() ||
      (c.lastUpdate.getTime() === best.lastUpdate.getTime() &&
        c.createdAt.getTime() > best.createdAt.getTime())
    )
      best = c;
  return best;
}
