/* The page's static files by path: used by the page (for cache-busting versions) and
 * by the server (to serve them), so neither calls into the other for it. */
#include <string.h>

#include "assets.h"

const srv_asset *srv_asset_find(const char *path)
{
	for (size_t i = 0; i < srv_asset_count; i++)
		if (strcmp(srv_assets[i].path, path) == 0)
			return &srv_assets[i];
	return NULL;
}
