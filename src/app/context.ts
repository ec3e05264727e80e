/** Who is acting, and in which instance: every service call that touches tenant data takes one. */
import type { Principal } from '../domain/tenancy.js';

/** The caller of one request. */
export interface CallContext {
  readonly principal: Principal;
  /** The instance the call acts in (`Service-CRN`, or the key's default). */
  readonly instanceId: string;
  /** `X-Qx-Client-Application`, recorded on jobs. */
  readonly caller?: string | null | undefined;
}

/** Whether the caller may see an object of `instanceId`: outside its instances is a 404. */
export function canSee(ctx: CallContext, instanceId: string): boolean {
  return ctx.principal.instances.includes(instanceId);
}
