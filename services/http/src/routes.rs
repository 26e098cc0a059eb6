//! Each API route's method and path are declared once, in its handler's `#[utoipa::path]`:
//! a service lists its handlers in one function over a [`RouteSink`], and [`Register`] serves
//! each at the method and path its attribute gives. `pollcast-openapi` documents the same
//! handlers; its test compares the document's operations with [`Listing`] of these lists.

use std::rc::Rc;

use actix_web::dev::Handler;
use actix_web::http::Method;
use actix_web::{FromRequest, Responder, guard, web};
use utoipa::openapi::path::HttpMethod;

use crate::observe::RoutePattern;

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
/// public), in the order they were listed, each carrying its [`RoutePattern`].
#[derive(Default)]
pub struct Register {
    resources: Vec<Resource>,
}

/// One path's routes: whether any is public, and each with its method.
struct Resource {
    path: String,
    public: bool,
    routes: Vec<(Method, actix_web::Route)>,
}

impl Register {
    pub fn finish(self, cfg: &mut web::ServiceConfig) {
        for Resource {
            path,
            public,
            routes,
        } in self.resources
        {
            let mut resource = web::resource(&path).app_data(RoutePattern(Rc::from(path)));
            if let [(method, _)] = routes.as_slice()
                && !public
            {
                // A lone route keeps its method guard on the resource, so a route for the same
                // path registered outside this table (another method) is still reached.
                resource = resource.guard(guard::Method(method.clone()));
            }
            for (_, route) in routes {
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
        let index = match self.resources.iter().position(|r| r.path == path) {
            Some(i) => i,
            None => {
                self.resources.push(Resource {
                    path,
                    public: false,
                    routes: Vec::new(),
                });
                self.resources.len() - 1
            }
        };
        let entry = &mut self.resources[index];
        entry.public |= access == Access::Public;
        for method in P::methods() {
            let method = actix_method(&method);
            entry
                .routes
                .push((method.clone(), web::method(method).to(handler.clone())));
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
