// Nova flavors: list, list with details, show (404 in Nova's itemNotFound shape), and reading a
// flavor's extra specs (the `openstack` CLI reads them for every flavor it lists).
// Extra specs: nova doc/api_samples/flavor-extra-specs/flavor-extra-specs-list-resp.json
// ({"extra_specs": {...}}) and flavor-extra-specs-get-resp.json ({"<key>": "<value>"}); the devcloud
// answers {"extra_specs": {}} for its seeded flavors. A missing key is Nova's FlavorExtraSpecsNotFound.
import { json, type RouteContext, type Router, type WireResponse } from '../http/wire';
import { flavorDetail, flavorListEntry } from '../fixtures/nova-flavor-get-resp.v2.1-v2.75';
import type { FakeFlavor } from '../fake-openstack.types';
import type { ComputeApi } from './compute.service';

export class FlavorsHandlers {
  constructor(private readonly api: ComputeApi) {}

  register(router: Router): void {
    router
      .add('GET', '/v2.1/flavors', (ctx) => this.list(ctx, false))
      .add('GET', '/v2.1/flavors/detail', (ctx) => this.list(ctx, true))
      .add('GET', '/v2.1/flavors/:id', (ctx) => this.show(ctx))
      .add('GET', '/v2.1/flavors/:id/os-extra_specs', (ctx) => this.extraSpecs(ctx))
      .add('GET', '/v2.1/flavors/:id/os-extra_specs/:key', (ctx) => this.extraSpec(ctx));
  }

  private list(ctx: RouteContext, detail: boolean): WireResponse {
    const v = this.api.version(ctx);
    const { computeUrl, computeRoot } = this.api.urls(ctx);
    const minRam = Number(ctx.query.get('minRam') ?? 0);
    const minDisk = Number(ctx.query.get('minDisk') ?? 0);
    // Nova sorts flavors by flavorid ascending by default.
    const flavors = [...this.api.settings.state.flavors.values()]
      .filter((f) => f.ram >= minRam && f.disk >= minDisk)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return json(200, {
      flavors: flavors.map((f) =>
        detail
          ? flavorDetail(f, v, computeUrl, computeRoot)
          : flavorListEntry(f, v, computeUrl, computeRoot),
      ),
    });
  }

  private show(ctx: RouteContext): WireResponse {
    const flavor = this.flavorOr404(ctx);
    const { computeUrl, computeRoot } = this.api.urls(ctx);
    return json(200, {
      flavor: flavorDetail(flavor, this.api.version(ctx), computeUrl, computeRoot),
    });
  }

  private extraSpecs(ctx: RouteContext): WireResponse {
    return json(200, { extra_specs: { ...this.flavorOr404(ctx).extraSpecs } });
  }

  private extraSpec(ctx: RouteContext): WireResponse {
    const flavor = this.flavorOr404(ctx);
    const key = ctx.params.key;
    if (!Object.hasOwn(flavor.extraSpecs, key))
      this.api.fail(404, `Flavor ${flavor.id} has no extra specs with key ${key}.`, ctx);
    return json(200, { [key]: flavor.extraSpecs[key] });
  }

  private flavorOr404(ctx: RouteContext): FakeFlavor {
    const flavor = this.api.settings.state.flavors.get(ctx.params.id);
    if (!flavor) this.api.fail(404, `Flavor ${ctx.params.id} could not be found.`, ctx);
    return flavor;
  }
}
