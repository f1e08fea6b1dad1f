import type { ConsentTranslation } from '../consent/consent.options.js';

/**
 * The demo's category and cookie texts in the seven languages besides English (`consent.translations`), so the
 * banner, the dialog and the categories are all in the language shown; the banner's own strings are built in.
 */
export const DEMO_TRANSLATIONS: Record<string, ConsentTranslation> = {
  de: {
    categories: {
      necessary: { name: 'Unbedingt erforderlich', description: 'Anmeldesitzung und Ihre Cookie-Auswahl.' },
      preferences: {
        name: 'Präferenzen',
        description: 'Speichert Ihre Anzeigeeinstellungen.',
        cookies: { demo_theme: { purpose: 'Farbschema', duration: '1 Jahr', provider: 'diese Website' } },
      },
      analytics: {
        name: 'Statistik',
        description: 'Zählt Besuche, um die Website zu verbessern.',
        cookies: { demo_analytics: { purpose: 'Besuchsstatistik', duration: '1 Jahr', provider: 'diese Website' } },
      },
      marketing: {
        name: 'Marketing',
        description: 'Personalisierte Werbung.',
        cookies: { demo_ads: { purpose: 'Werbe-ID', duration: '90 Tage', provider: 'diese Website' } },
      },
    },
  },
  fr: {
    categories: {
      necessary: {
        name: 'Strictement nécessaires',
        description: 'Session de connexion et votre choix en matière de cookies.',
      },
      preferences: {
        name: 'Préférences',
        description: 'Mémorise vos choix d’affichage.',
        cookies: { demo_theme: { purpose: 'Thème de couleurs', duration: '1 an', provider: 'ce site' } },
      },
      analytics: {
        name: 'Mesure d’audience',
        description: 'Compte les visites pour améliorer le site.',
        cookies: { demo_analytics: { purpose: 'Statistiques de visite', duration: '1 an', provider: 'ce site' } },
      },
      marketing: {
        name: 'Marketing',
        description: 'Publicité personnalisée.',
        cookies: { demo_ads: { purpose: 'Identifiant publicitaire', duration: '90 jours', provider: 'ce site' } },
      },
    },
  },
  es: {
    categories: {
      necessary: { name: 'Estrictamente necesarias', description: 'Sesión iniciada y su elección sobre cookies.' },
      preferences: {
        name: 'Preferencias',
        description: 'Recuerda sus opciones de visualización.',
        cookies: { demo_theme: { purpose: 'Tema de colores', duration: '1 año', provider: 'este sitio' } },
      },
      analytics: {
        name: 'Analíticas',
        description: 'Cuenta las visitas para mejorar el sitio.',
        cookies: { demo_analytics: { purpose: 'Estadísticas de visitas', duration: '1 año', provider: 'este sitio' } },
      },
      marketing: {
        name: 'Marketing',
        description: 'Publicidad personalizada.',
        cookies: { demo_ads: { purpose: 'Identificador publicitario', duration: '90 días', provider: 'este sitio' } },
      },
    },
  },
  it: {
    categories: {
      necessary: { name: 'Strettamente necessari', description: 'Sessione di accesso e la tua scelta sui cookie.' },
      preferences: {
        name: 'Preferenze',
        description: 'Ricorda le tue scelte di visualizzazione.',
        cookies: { demo_theme: { purpose: 'Tema di colori', duration: '1 anno', provider: 'questo sito' } },
      },
      analytics: {
        name: 'Statistiche',
        description: 'Conta le visite per migliorare il sito.',
        cookies: {
          demo_analytics: { purpose: 'Statistiche delle visite', duration: '1 anno', provider: 'questo sito' },
        },
      },
      marketing: {
        name: 'Marketing',
        description: 'Pubblicità personalizzata.',
        cookies: {
          demo_ads: { purpose: 'Identificativo pubblicitario', duration: '90 giorni', provider: 'questo sito' },
        },
      },
    },
  },
  nl: {
    categories: {
      necessary: { name: 'Strikt noodzakelijk', description: 'Aanmeldsessie en uw cookiekeuze.' },
      preferences: {
        name: 'Voorkeuren',
        description: 'Onthoudt uw weergavekeuzes.',
        cookies: { demo_theme: { purpose: 'Kleurthema', duration: '1 jaar', provider: 'deze website' } },
      },
      analytics: {
        name: 'Statistieken',
        description: 'Telt bezoeken om de website te verbeteren.',
        cookies: { demo_analytics: { purpose: 'Bezoekstatistieken', duration: '1 jaar', provider: 'deze website' } },
      },
      marketing: {
        name: 'Marketing',
        description: 'Gepersonaliseerde advertenties.',
        cookies: { demo_ads: { purpose: 'Advertentie-ID', duration: '90 dagen', provider: 'deze website' } },
      },
    },
  },
  pl: {
    categories: {
      necessary: { name: 'Niezbędne', description: 'Sesja logowania i Twój wybór dotyczący plików cookie.' },
      preferences: {
        name: 'Preferencje',
        description: 'Zapamiętują Twoje ustawienia wyświetlania.',
        cookies: { demo_theme: { purpose: 'Motyw kolorystyczny', duration: '1 rok', provider: 'ta witryna' } },
      },
      analytics: {
        name: 'Analityczne',
        description: 'Zliczają wizyty, aby ulepszać witrynę.',
        cookies: { demo_analytics: { purpose: 'Statystyki odwiedzin', duration: '1 rok', provider: 'ta witryna' } },
      },
      marketing: {
        name: 'Marketingowe',
        description: 'Spersonalizowane reklamy.',
        cookies: { demo_ads: { purpose: 'Identyfikator reklamowy', duration: '90 dni', provider: 'ta witryna' } },
      },
    },
  },
  pt: {
    categories: {
      necessary: { name: 'Estritamente necessários', description: 'Sessão iniciada e a sua escolha sobre cookies.' },
      preferences: {
        name: 'Preferências',
        description: 'Memoriza as suas opções de visualização.',
        cookies: { demo_theme: { purpose: 'Tema de cores', duration: '1 ano', provider: 'este site' } },
      },
      analytics: {
        name: 'Estatísticas',
        description: 'Conta as visitas para melhorar o site.',
        cookies: { demo_analytics: { purpose: 'Estatísticas de visitas', duration: '1 ano', provider: 'este site' } },
      },
      marketing: {
        name: 'Marketing',
        description: 'Publicidade personalizada.',
        cookies: { demo_ads: { purpose: 'Identificador publicitário', duration: '90 dias', provider: 'este site' } },
      },
    },
  },
};
