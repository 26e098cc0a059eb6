//! Each API route's method and path are declared once, in its handler's `#[utoipa::path]`:
//! a service lists its handlers in one function over a [`RouteSink`], and [`Register`] serves
//! each at the method and path its attribute gives. `pollcast-openapi` documents the same
//! handlers; its test compares the document's operations with [`Listing`] of these lists.

use actix_web::dev::Handler;
use actix_web::http::Method;
use actix_web::{FromRequest, Responder, web};
use utoipa::openapi::path::HttpMethod;

/// Who may call a route from a browser page of another origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// CORS from any origin, no credentials (votes, results, the public poll view).
    Public,
    /// Same-origin only (management).
    SameOrigin,
}

/// Where a service's route list goes.
pub trait RouteSink {
    /// The route of `handler`, whose `#[utoipa::path]` is `P` (`__path_<handler>`).
    fn route<P, F, Args>(&mut self, access: Access, handler: F)
    where
        P: utoipa::Path,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;
}

/// Serves the routes: one actix resource per path (CORS on it when any of its routes is
/// public), in the order they were listed.
#[derive(Default)]
pub struct Register {
    resources: Vec<(String, bool, Vec<actix_web::Route>)>,
}

impl Register {
    pub fn finish(self, cfg: &mut web::ServiceConfig) {
        for (path, public, routes) in self.resources {
            if !public && routes.len() == 1 {
                // A lone route keeps its method guard on the resource, so a route for the same
                // path registered outside this table (another method) is still reached.
                for route in routes {
                    cfg.route(&path, route);
                }
                continue;
            }
            let mut resource = web::resource(path);
            for route in routes {
                resource = resource.route(route);
            }
            if public {
                cfg.service(resource.wrap(crate::cors::public()));
            } else {
                cfg.service(resource);
            }
        }
    }
}

impl RouteSink for Register {
    fn route<P, F, Args>(&mut self, access: Access, handler: F)
    where
        P: utoipa::Path,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let path = P::path();
        let index = match self.resources.iter().position(|(p, _, _)| *p == path) {
            Some(i) => i,
            None => {
                self.resources.push((path, false, Vec::new()));
                self.resources.len() - 1
            }
        };
        let entry = &mut self.resources[index];
        entry.1 |= access == Access::Public;
        for method in P::methods() {
            entry
                .2
                .push(web::method(actix_method(&method)).to(handler.clone()));
        }
    }
}

/// Lists the routes as `METHOD /path`: what `pollcast-openapi`'s test compares with the
/// operations the document describes, so a route cannot be served undocumented or the reverse.
#[derive(Default)]
pub struct Listing(pub Vec<String>);

impl RouteSink for Listing {
    fn route<P, F, Args>(&mut self, _: Access, _: F)
    where
        P: utoipa::Path,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        for method in P::methods() {
            self.0
                .push(format!("{} {}", actix_method(&method), P::path()));
        }
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}
