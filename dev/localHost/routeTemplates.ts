// Azure Functions route templates (`consent/{token}`, `admin/users/{id?}`)
// matched against a path below /api, the way the Functions host does it.

export interface RouteMatch {
  params: Record<string, string>;
}

export function matchRoute(template: string, path: string): RouteMatch | undefined {
  const want = template.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    const value = have[i];
    const param = /^\{(\*?)([A-Za-z0-9_]+)(\?)?(?::[^}]*)?\}$/.exec(segment);
    if (!param) {
      if (value === undefined || value.toLowerCase() !== segment.toLowerCase()) return undefined;
      continue;
    }
    const [, catchAll, name, optional] = param as unknown as [string, string, string, string | undefined];
    if (catchAll) {
      params[name] = have.slice(i).map(decodeURIComponent).join('/');
      return { params };
    }
    if (value === undefined) {
      if (optional) continue;
      return undefined;
    }
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return have.length <= want.length ? { params } : undefined;
}
