vcl 4.1;
# Varnish in front of a nestjs-rediskit app: caches what the app marks `public, s-maxage`
# (@CacheResponse), indexes each object under the tags of its Surrogate-Key header (xkey module
# from varnish-modules), and takes purges from the edge purger (`edge: { varnish }`):
#   PURGE /  with `xkey: tag1 tag2`           purges every object indexed under one of the tags
#   BAN /    with `x-ban-pattern: <regex>`    bans objects whose tags match (mode: 'ban')
#   BAN /    with `x-ban-all: 1`              bans everything (purge-all, e.g. httpCache.clear())
# Only addresses in the `purgers` ACL may purge. Set the backend to your app (the tests replace
# the port). See docs/edge.md.

import std;
import xkey;

backend app {
  .host = "127.0.0.1";
  .port = "3000";
}

acl purgers {
  "127.0.0.1";
  "::1";
}

sub vcl_recv {
  if (req.method == "PURGE") {
    if (client.ip !~ purgers) {
      return (synth(403, "Forbidden"));
    }
    if (!req.http.xkey) {
      return (synth(400, "PURGE needs an xkey header"));
    }
    set req.http.x-purged = xkey.purge(req.http.xkey);
    return (synth(200, "Purged " + req.http.x-purged));
  }
  if (req.method == "BAN") {
    if (client.ip !~ purgers) {
      return (synth(403, "Forbidden"));
    }
    if (req.http.x-ban-all) {
      set req.http.x-ban = "obj.status != 0";
    } else if (req.http.x-ban-pattern) {
      set req.http.x-ban = "obj.http.xkey ~ " + req.http.x-ban-pattern;
    } else {
      return (synth(400, "BAN needs x-ban-pattern or x-ban-all"));
    }
    if (!std.ban(req.http.x-ban)) {
      return (synth(400, "Ban refused: " + std.ban_error()));
    }
    return (synth(200, "Banned"));
  }
}

sub vcl_backend_response {
  # xkey indexes the `xkey` header; the app sends its tags as Surrogate-Key.
  if (beresp.http.Surrogate-Key) {
    set beresp.http.xkey = beresp.http.Surrogate-Key;
  }
}

sub vcl_deliver {
  # The tags are for Varnish only.
  unset resp.http.xkey;
  unset resp.http.Surrogate-Key;
  unset resp.http.Cache-Tag;
  # X-Cache is the app's own (its Redis cache); this one is Varnish's.
  if (obj.hits > 0) {
    set resp.http.X-Varnish-Cache = "HIT";
  } else {
    set resp.http.X-Varnish-Cache = "MISS";
  }
}
