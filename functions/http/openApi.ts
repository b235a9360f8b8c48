import { z } from 'zod';
import { MANAGEMENT_ROUTES } from './managementRoutes';

type JsonObject = Record<string, unknown>;

/**
 * OpenAPI 3.1 for the management API, built from the route table; request
 * schemas come from the same zod schemas that validate the bodies.
 */
export function openApiDocument(baseUrl: string): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of MANAGEMENT_ROUTES) {
    const path = `/${route.route}`;
    const parameters = [
      ...[...route.route.matchAll(/\{(\w+)\}/g)].map((match) => ({
        name: match[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries(route.query ?? {}).map(([name, description]) => ({
        name,
        in: 'query',
        required: false,
        description,
        schema: { type: 'integer' },
      })),
    ];
    paths[path] = {
      ...paths[path],
      [route.method.toLowerCase()]: {
        summary: route.summary,
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(route.body
          ? {
              requestBody: {
                required: route.bodyOptional !== true,
                content: { 'application/json': { schema: jsonSchemaOf(route.body) } },
              },
            }
          : {}),
        responses: Object.fromEntries(
          Object.entries(route.responses).map(([status, description]) => [status, { description }]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'pbx-calendar-sync management API',
      version: '1',
      description:
        'Every route needs the function key (x-functions-key header or code query). ' +
        'With App Service Authentication enabled, an Entra ID bearer token is needed as well.',
    },
    servers: [{ url: `${baseUrl.replace(/\/+$/, '')}/api` }],
    security: [{ functionKey: [] }, { functionKeyQuery: [] }],
    components: {
      securitySchemes: {
        functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
      },
    },
    paths,
  };
}

function jsonSchemaOf(schema: z.ZodType): JsonObject {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonObject;
  return rest;
}
