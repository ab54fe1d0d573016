/* soup-floor.c: libsoup 3 answering one constant body, as fast as it goes: the floor of any
 * service built on it. bench/serve runs it beside the Kiln service and nginx so the choice of
 * HTTP library (kiln-serve.h) is measured again in every run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * usage: bench-soup-floor PORT THREADS BODY-FILE
 * One SoupServer per thread, each with its own GMainContext and its own SO_REUSEPORT listening
 * socket (the kernel spreads connections over them), answering any path with BODY-FILE.
 */
#include "config.h"

#include <libsoup/soup.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static GBytes *body;
static int port;

static void
handler (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
         gpointer data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static gpointer
worker (gpointer data)
{
  GMainContext *context = g_main_context_new ();
  SoupServer *server;
  GSocket *sock;
  GError *error = NULL;
  struct sockaddr_in sa = { 0 };
  int fd, one = 1;

  g_main_context_push_thread_default (context);
  server = soup_server_new ("server-header", NULL, NULL);
  soup_server_add_handler (server, NULL, handler, NULL, NULL);
  /* GSocket's bind clears SO_REUSEPORT on stream sockets: bind the descriptor directly */
  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt (fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sa.sin_family = AF_INET;
  sa.sin_port = htons (port);
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen (fd, 1024) < 0)
    g_error ("cannot listen on port %d", port);
  sock = g_socket_new_from_fd (fd, &error);
  if (sock == NULL || !soup_server_listen_socket (server, sock, 0, &error))
    g_error ("%s", error->message);
  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  char *text;
  gsize length;

  if (argc != 4)
    {
      g_printerr ("usage: %s PORT THREADS BODY-FILE\n", argv[0]);
      return 2;
    }
  port = atoi (argv[1]);
  if (!g_file_get_contents (argv[3], &text, &length, &error))
    g_error ("%s", error->message);
  body = g_bytes_new_take (text, length);
  for (int i = 0; i < atoi (argv[2]); i++)
    g_thread_unref (g_thread_new ("soup-floor", worker, NULL));
  for (;;)
    g_usleep (G_USEC_PER_SEC);
}
