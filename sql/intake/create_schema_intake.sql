create schema if not exists intake
