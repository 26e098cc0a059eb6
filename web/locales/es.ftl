-brand = pollcast
lang-name = Español
page-title = { $question } · { -brand }
vote = Votar
you-voted = Ya has votado
change-vote = Cambiar mi voto
your-choice = Tu elección: { $choice }
thanks = Gracias, tu voto está registrado.
sending = Enviando…
choose-option = Elige primero una opción.
choose-score = Elige primero una puntuación.
choose-exactly = Elige { $min ->
    [one] una opción
   *[other] { $min } opciones
}.
choose-between = Elige de { $min } a { $max } opciones.
choose-up-to = Elige hasta { $max ->
    [one] una opción
   *[other] { $max } opciones
}.
ranked-hint = Ordena las opciones: la primera es tu favorita. Usa las flechas o arrastra.
move-up = Subir «{ $label }»
move-down = Bajar «{ $label }»
rank-position = Posición { $position }
rating-hint = Puntúa de 1 a { $max }.
nps-hint = 0 significa nada probable, 10 muy probable.
score-label = { $score ->
    [one] 1 estrella
   *[other] { $score } estrellas
} de { $max }
votes = { $count ->
    [one] { $count } voto
   *[other] { $count } votos
}
watching = { $count ->
    [one] { $count } persona mirando
   *[other] { $count } personas mirando
}
share = { $share } %
average = Media { $mean } de { $max }
runoff-winner = «{ $label }» gana tras { $rounds ->
    [one] la primera ronda
   *[other] { $rounds } rondas
} de segunda vuelta instantánea.
runoff-tie = Empate entre { $labels }.
status-draft = Borrador
status-scheduled = Programada
status-open = Abierta
status-closed = Cerrada
opens-at = Se abre { $time }
live-connecting = Conectando…
live-on = En directo
live-reconnecting = Reconectando…
live-polling = Se actualiza cada pocos segundos
results-after-vote = Los resultados aparecen después de votar.
results-after-close = Los resultados aparecen cuando se cierre la encuesta.
results-private = Los resultados son privados.
results-heading = Resultados
error-already-voted = Ya has votado en esta encuesta.
error-poll-closed = Esta encuesta está cerrada.
error-poll-not-open = Esta encuesta aún no está abierta.
error-invalid-choice = Esa elección no es válida para esta encuesta. Elige de nuevo.
error-verified-only = Esta encuesta solo acepta votos de personas identificadas en el sitio que la publica.
error-busy = El servidor está ocupado y tu voto no se guardó. Inténtalo de nuevo.
error-network = Problema de red: tu voto no se envió. Inténtalo de nuevo.
error-rate-limited = Demasiados votos desde tu conexión. Espera un momento.
verifying = Verificando tu navegador…
error-verification = No se pudo verificar tu navegador. Inténtalo de nuevo.
error-form-limited = Ahora mismo llegan demasiados votos sin JavaScript a esta encuesta. Activa JavaScript o inténtalo dentro de un minuto.
front-title = pollcast: encuestas en directo para insertar en cualquier sitio
front-lead = Este servidor ejecuta pollcast. Los propietarios de sitios crean una encuesta, pegan una etiqueta script y los visitantes votan y ven los resultados en directo.
front-docs = Insertar una encuesta
front-api = Referencia de la API (OpenAPI)
front-errors = Códigos de error
front-console = Sus encuestas
front-create = Crear una encuesta
front-signin = Iniciar sesión
front-embed = Insertar una encuesta
front-setup = Esta instalación aún no está configurada. Para crear su primera cuenta, abra el enlace de configuración de un solo uso que pollcast mostró al iniciarse (el token también está en el archivo setup-token de su directorio de datos) o ejecute «pollcast user create».
powered-by = Hecho con { -brand }
not-found = Esta encuesta no existe o no es pública.
rounds-heading = Rondas de la segunda vuelta instantánea
round-line = Ronda { $round }: { $tallies }
round-eliminated = eliminadas: { $labels }
open-text-hint = { $max ->
    [one] Una respuesta
   *[other] Hasta { $max } respuestas
}, de { $length } caracteres cada una.
entry-label = Respuesta { $n }
send-answers = Enviar
you-answered = Gracias, tus respuestas han llegado.
entries = { $count ->
    [one] 1 respuesta
   *[other] { $count } respuestas
}
entry-count = { $text }: { $count }
terms-heading = Respuestas más frecuentes
terms-empty = Todavía no hay respuestas que mostrar.
write-entry = Escribe primero una respuesta.
error-entry = Cada respuesta necesita al menos una palabra, dentro del límite de longitud, y sin repetir ninguna.
