/* kiln-page.h: what the five step pages share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A page shows the project; until what it needs is there (data, a target, a trained model) it
 * shows instead a status page that says why and links to the step that unlocks it.
 */
#pragma once

#include <adwaita.h>

#include "kiln-project.h"

G_BEGIN_DECLS

typedef enum {
  KILN_PAGE_DATA,
  KILN_PAGE_PREPARE,
  KILN_PAGE_TRAIN,
  KILN_PAGE_EVALUATE,
  KILN_PAGE_EXPORT,
  KILN_N_PAGES
} KilnPageId;

extern const char * const kiln_page_names[KILN_N_PAGES];
extern const char * const kiln_page_titles[KILN_N_PAGES];   /* N_() */
extern const char * const kiln_page_icons[KILN_N_PAGES];

#define KILN_TYPE_PAGE (kiln_page_get_type ())
G_DECLARE_DERIVABLE_TYPE (KilnPage, kiln_page, KILN, PAGE, AdwBin)

struct _KilnPageClass
{
  AdwBinClass parent_class;

  /* the project changed (a new one, or new data in it) */
  void (*project_changed) (KilnPage *self, KilnProject *project);
  /* the page became visible */
  void (*shown)           (KilnPage *self);
  /* the window is closing: stop background work */
  void (*closing)         (KilnPage *self);
};

KilnProject *kiln_page_get_project  (KilnPage    *self);
/* A save dialog opened from @widget (a page or anything in one) starts in the project's folder
 * (kiln_project_get_save_folder), not in the folder Kiln was started from. */
void         kiln_page_set_save_folder (GtkWidget      *widget,
                                        GtkFileChooser *chooser);
void         kiln_page_set_project  (KilnPage    *self,
                                     KilnProject *project);
/* The page's content (shown when ready). */
void         kiln_page_set_content  (KilnPage    *self,
                                     GtkWidget   *content);
/* Not ready: a status page with @title, @description and a button to page @unlock. */
void         kiln_page_set_not_ready (KilnPage   *self,
                                      const char *icon_name,
                                      const char *title,
                                      const char *description,
                                      const char *button_label,
                                      KilnPageId  unlock);
void         kiln_page_set_ready    (KilnPage    *self);
void         kiln_page_shown        (KilnPage    *self);
void         kiln_page_closing      (KilnPage    *self);
/* The window's toast overlay, through the action "win.toast"? No: a direct call. */
void         kiln_page_toast        (KilnPage    *self,
                                     const char  *message);

GtkWidget   *kiln_page_new          (KilnPageId   id,
                                     KilnProject *project);

G_END_DECLS
