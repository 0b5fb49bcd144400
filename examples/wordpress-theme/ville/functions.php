<?php
/**
 * Ville theme setup: styles, the custom logo, and the pictogram of a service.
 */
function ville_setup() {
	add_theme_support( 'custom-logo' );
	wp_enqueue_style( 'ville', get_stylesheet_uri(), array(), '1.0' );
}
add_action( 'after_setup_theme', 'ville_setup' );

function ville_pictogram( $service ) {
	// Pictograms are named after the service: images/icons/<service>.png
	$src = get_template_directory_uri() . '/images/icons/' . $service . '.png';
	return '<img class="icon" src="' . esc_url( $src ) . '" alt="">';
}

function ville_header_background() {
	return get_template_directory_uri() . '/images/bg-copy.png';
}
